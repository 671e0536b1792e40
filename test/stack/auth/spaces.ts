/** @module Spaces in the stand-in: the service-key membership view, Better Auth's organization list, and added shared spaces. */
import { iso } from "./time";

type OrganizationRecord = {
  id: string;
  name: string;
  slug: string;
  logo: string | null;
  metadata: string | null;
  created_at: number;
};

export interface ExtraSpace {
  userId: string;
  organizationId: string;
  name: string;
  type: string;
}

/** The service-key view (docs/contracts.md §1.3): ids and roles only, nothing that tells a personal space apart. */
export function membershipsOf(sql: SqlStorage, userId: string) {
  return sql
    .exec<{ organization_id: string; role: string }>(
      "SELECT organization_id, role FROM members WHERE user_id = ? ORDER BY rowid",
      userId,
    )
    .toArray()
    .map((row) => ({ organizationId: row.organization_id, role: row.role }));
}

/** Better Auth's organization list: metadata is stored as a JSON string and answered as an object. */
export function organizationsOf(sql: SqlStorage, userId: string) {
  return sql
    .exec<OrganizationRecord>(
      `SELECT o.id, o.name, o.slug, o.logo, o.metadata, o.created_at FROM organizations o
       JOIN members m ON m.organization_id = o.id WHERE m.user_id = ? ORDER BY m.rowid`,
      userId,
    )
    .toArray()
    .map((org) => ({
      id: org.id,
      name: org.name,
      slug: org.slug,
      logo: org.logo,
      createdAt: iso(org.created_at),
      metadata: org.metadata === null ? null : (JSON.parse(org.metadata) as Record<string, unknown>),
    }));
}

/** A shared space next to the personal one, so the runner has to tell them apart by metadata.type. */
export function addSpace(sql: SqlStorage, space: ExtraSpace, nowMs: number): void {
  sql.exec(
    "INSERT OR IGNORE INTO organizations (id, name, slug, metadata, created_at) VALUES (?, ?, ?, ?, ?)",
    space.organizationId,
    space.name,
    space.organizationId,
    JSON.stringify({ type: space.type }),
    nowMs,
  );
  sql.exec(
    "INSERT OR IGNORE INTO members (organization_id, user_id, role) VALUES (?, ?, 'member')",
    space.organizationId,
    space.userId,
  );
}
