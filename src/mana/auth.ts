/**
 * @module
 * The mana-auth client: due list, login, the personal space, and posting actions and feedback.
 */
import { type FetchFn, HttpError, request, TRANSIENT } from "../net/http";
import {
  type ActionRow,
  dueListSchema,
  type FeedbackRow,
  loginErrorSchema,
  loginSuccessSchema,
  membershipsSchema,
  organizationListSchema,
} from "./schemas";

/** Why a login failed, with what the caller must do about it (docs/contracts.md §1.2). */
export class LoginError extends Error {
  override name = "LoginError";
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly retryAfterSec?: number,
  ) {
    super(message);
  }
}

export type DeliveryResult =
  | { kind: "delivered"; written?: number }
  | { kind: "gone"; reason: string }
  | { kind: "rejected"; reason: string }
  | { kind: "retry"; reason: string; retryAfterSec?: number };

export interface ManaAuth {
  listDue(): Promise<{ personas: unknown[]; serverTime: string }>;
  login(email: string, password: string): Promise<{ userId: string; accessToken: string }>;
  resolvePersonalSpace(userId: string, email: string, password: string): Promise<string>;
  postActions(userId: string, actions: ActionRow[]): Promise<DeliveryResult>;
  postFeedback(userId: string, feedback: FeedbackRow[]): Promise<DeliveryResult>;
}

const json = { "content-type": "application/json" };

export function createManaAuth(baseUrl: string, serviceKey: string, fetchFn: FetchFn): ManaAuth {
  const url = (path: string) => new URL(path, baseUrl).toString();
  const internal = (path: string, init: RequestInit = {}) =>
    request(fetchFn, url(`/api/v1/internal${path}`), {
      ...init,
      headers: { ...json, "x-service-key": serviceKey, ...(init.headers as Record<string, string>) },
    });

  async function listDue() {
    const response = await internal("/personas/due");
    if (!response.ok) throw new HttpError(`due list: HTTP ${response.status} ${await snippet(response)}`, response.status);
    const parsed = dueListSchema.safeParse(await response.json());
    if (!parsed.success) throw new HttpError(`due list: unexpected body (${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }

  async function login(email: string, password: string) {
    // A 401 or 429 here must not be retried: every failure counts towards mana-auth's lockout.
    const response = await request(
      fetchFn,
      url("/api/v1/auth/login"),
      { method: "POST", headers: json, body: JSON.stringify({ email, password }) },
      { ...TRANSIENT, retryOn: (status) => status >= 500 },
    );
    const body: unknown = await response.json().catch(() => null);
    if (response.ok) {
      const parsed = loginSuccessSchema.safeParse(body);
      if (parsed.success) return { userId: parsed.data.user.id, accessToken: parsed.data.accessToken };
      throw new LoginError("login answered 200 without an accessToken (JWT minting failed)", "NO_ACCESS_TOKEN", 200);
    }
    const failure = loginErrorSchema.safeParse(body);
    const code = failure.success ? failure.data.error : `HTTP_${response.status}`;
    const retryAfter = failure.success ? failure.data.retryAfterSec : Number(response.headers.get("retry-after")) || undefined;
    throw new LoginError(`login failed: ${response.status} ${code}`, code, response.status, retryAfter);
  }

  async function resolvePersonalSpace(userId: string, email: string, password: string) {
    const response = await internal(`/users/${encodeURIComponent(userId)}/memberships`);
    if (!response.ok) throw new HttpError(`space via memberships: HTTP ${response.status}`, response.status);
    const { memberships } = membershipsSchema.parse(await response.json());
    if (memberships.length === 1 && memberships[0]) return memberships[0].organizationId;
    if (memberships.length === 0) throw new HttpError(`space via memberships: user ${userId} has no space`);
    return personalSpaceFromOrgList(email, password);
  }

  /** Only Better Auth's session cookie opens the org list (docs/contracts.md §1.3); a Bearer token gets 401. */
  async function personalSpaceFromOrgList(email: string, password: string) {
    const signIn = await request(fetchFn, url("/api/auth/sign-in/email"), {
      method: "POST",
      headers: { ...json, origin: new URL(baseUrl).origin },
      body: JSON.stringify({ email, password }),
    });
    const cookie = signIn.headers.get("set-cookie")?.match(/(?:__Secure-)?mana\.session_token=[^;]+/)?.[0];
    if (!signIn.ok || !cookie) {
      throw new HttpError(`space via org list: sign-in answered ${signIn.status} without a session cookie`, signIn.status);
    }
    const list = await request(fetchFn, url("/api/auth/organization/list"), { headers: { cookie } });
    if (!list.ok) throw new HttpError(`space via org list: HTTP ${list.status}`, list.status);
    const personal = organizationListSchema.parse(await list.json()).find((org) => org.metadata?.type === "personal");
    if (!personal) throw new HttpError("space via org list: no organization with metadata.type personal");
    return personal.id;
  }

  const deliver = async (path: string, body: unknown): Promise<DeliveryResult> => {
    let response: Response;
    try {
      response = await internal(path, { method: "POST", body: JSON.stringify(body) });
    } catch (error) {
      return { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
    }
    return classifyDelivery(response);
  };

  return {
    listDue,
    login,
    resolvePersonalSpace,
    postActions: (userId, actions) => deliver(`/personas/${encodeURIComponent(userId)}/actions`, { actions }),
    postFeedback: (userId, feedback) => deliver(`/personas/${encodeURIComponent(userId)}/feedback`, { feedback }),
  };
}

/**
 * A 2xx is the acknowledgement whatever its body says or is (a plain `OK`, a gateway's page, fields added later):
 * mana-auth has the batch, and resending it would only be ignored.
 */
async function classifyDelivery(response: Response): Promise<DeliveryResult> {
  const text = await snippet(response);
  if (response.ok) return { kind: "delivered", written: writtenOf(text) };
  // Only the persona check's own 404 means gone; a plain-text 404 is a wrong path, which a fixed deploy cures.
  if (response.status === 404 && /"Persona not found"/.test(text)) return { kind: "gone", reason: `404 ${text}` };
  // 400 is the batch itself; anything else (a rotated service key, a wrong path, an outage) is worth waiting out.
  if (response.status === 400) return { kind: "rejected", reason: `${response.status} ${text}` };
  return { kind: "retry", reason: `${response.status} ${text}`, retryAfterSec: Number(response.headers.get("retry-after")) || undefined };
}

function writtenOf(text: string): number | undefined {
  try {
    const written = (JSON.parse(text) as { written?: unknown } | null)?.written;
    return typeof written === "number" ? written : undefined;
  } catch {
    return undefined;
  }
}

async function snippet(response: Response): Promise<string> {
  return (await response.text().catch(() => "")).slice(0, 300);
}
