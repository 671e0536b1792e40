/** @module User lookups of the stand-in: the byte-exact email and password check (soft-deleted users refused) and existence. */
export type UserRecord = { id: string; email: string; name: string };

/**
 * The user these credentials belong to, or null. The email must match byte for byte, as the password was
 * derived from the stored spelling (docs/contracts.md §1.4). Soft-deleted users cannot sign in.
 */
export function authenticate(sql: SqlStorage, email: string, password: string): UserRecord | null {
  const user = sql
    .exec<UserRecord & { password: string }>(
      "SELECT id, email, name, password FROM users WHERE email = ? AND deleted_at IS NULL",
      email,
    )
    .toArray()[0];
  return user && user.password === password ? { id: user.id, email: user.email, name: user.name } : null;
}

export function userExists(sql: SqlStorage, userId: string): boolean {
  return sql.exec("SELECT 1 FROM users WHERE id = ?", userId).toArray().length > 0;
}
