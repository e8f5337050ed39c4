// Users as admins see and change them: list, create (with an initial password, or none for
// SSO-only users), disable and enable. Disabling ends the user's sessions and revokes their API
// tokens in the same transaction, so nothing they hold works on their next request.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import { type ChangeContext, changeEvent } from "./admin-change.ts";
import { revokeUserTokens } from "./api-tokens.ts";
import { clearAccountLock } from "./login-throttle.ts";
import { endUserSessions } from "./sessions.ts";

export interface UserView {
  id: string;
  kind: "human" | "service";
  email: string | null;
  name: string;
  status: "active" | "disabled";
  source: string;
  groups: string[];
  /** False for SSO-only users, people who have not accepted their invitation, and service identities. */
  hasPassword: boolean;
  /** The password was chosen by someone else: it must be changed at sign-in, and no approving before. */
  passwordChangeRequired: boolean;
  /** The newest invitation to set a password: pending (and until when), accepted, or none. */
  invitation: {
    status: "pending" | "accepted" | "revoked" | "expired";
    expiresAt: Date;
    sentAt: Date | null;
  } | null;
  createdAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  lockedUntil: Date | null;
}

interface UserRow {
  id: string;
  kind: "human" | "service";
  email: string | null;
  name: string;
  status: "active" | "disabled";
  source: string;
  groups: string[];
  has_password: boolean;
  password_change_required: boolean;
  invitation_status: "pending" | "accepted" | "revoked" | null;
  invitation_expires_at: Date | null;
  invitation_sent_at: Date | null;
  created_at: Date;
  last_login_at: Date | null;
  disabled_at: Date | null;
  locked_until: Date | null;
}

const USER_SELECT = `
  SELECT u.id, u.kind, u.email, u.name, u.status, u.source, u.created_at, u.last_login_at, u.disabled_at,
         u.password_hash IS NOT NULL AS has_password, u.password_change_required,
         (SELECT i.status FROM airlock.invitations i WHERE i.user_id = u.id
           ORDER BY i.created_at DESC, i.id DESC LIMIT 1) AS invitation_status,
         (SELECT i.expires_at FROM airlock.invitations i WHERE i.user_id = u.id
           ORDER BY i.created_at DESC, i.id DESC LIMIT 1) AS invitation_expires_at,
         (SELECT i.sent_at FROM airlock.invitations i WHERE i.user_id = u.id
           ORDER BY i.created_at DESC, i.id DESC LIMIT 1) AS invitation_sent_at,
         COALESCE(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups,
         (SELECT t.locked_until FROM airlock.login_throttle t
           WHERE t.key = 'account:user:' || u.id AND t.locked_until > now()) AS locked_until
    FROM airlock.users u
    LEFT JOIN airlock.group_members m ON m.user_id = u.id
    LEFT JOIN airlock.groups g ON g.id = m.group_id`;

function userView(row: UserRow): UserView {
  return {
    id: row.id,
    kind: row.kind,
    email: row.email,
    name: row.name,
    status: row.status,
    source: row.source,
    groups: row.groups,
    hasPassword: row.has_password,
    passwordChangeRequired: row.password_change_required,
    invitation:
      row.invitation_status && row.invitation_expires_at
        ? {
            status:
              row.invitation_status === "pending" && row.invitation_expires_at.getTime() <= Date.now()
                ? "expired"
                : row.invitation_status,
            expiresAt: row.invitation_expires_at,
            sentAt: row.invitation_sent_at,
          }
        : null,

    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    disabledAt: row.disabled_at,
    lockedUntil: row.locked_until,
  };
}

export async function listUsers(
  db: Pick<pg.Pool, "query">,
  filter: { kind?: "human" | "service"; status?: "active" | "disabled"; email?: string; q?: string },
): Promise<UserView[]> {
  const values: unknown[] = [];
  const where: string[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replaceAll("?", `$${values.length}`));
  };
  if (filter.kind) add("u.kind = ?", filter.kind);
  if (filter.status) add("u.status = ?", filter.status);
  if (filter.email) add("lower(u.email) = lower(?)", filter.email);
  if (filter.q) add("(u.name ILIKE ? OR u.email ILIKE ?)", `%${filter.q.replace(/[\\%_]/g, "\\$&")}%`);
  const result = await db.query<UserRow>(
    `${USER_SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     GROUP BY u.id ORDER BY u.kind, lower(coalesce(u.email, u.name)) LIMIT 1000`,
    values,
  );
  return result.rows.map(userView);
}

export async function getUser(db: Pick<pg.Pool, "query">, id: string): Promise<UserView | null> {
  const result = await db.query<UserRow>(`${USER_SELECT} WHERE u.id = $1 GROUP BY u.id`, [id]);
  return result.rows[0] ? userView(result.rows[0]) : null;
}

/**
 * Creates the user inside the caller's transaction (through governance's `user.create` change):
 * the name already scrubbed. No admin chooses a password: the person is invited to set their own
 * (identity/invitations.ts) or signs in by SSO; `passwordHash` is only ever a password someone
 * else chose (a change request stored before invitations), and then must be changed at sign-in.
 */
export async function createUserIn(
  client: Queryable,
  ctx: ChangeContext,
  input: {
    id: string;
    email: string;
    name: string;
    groups: string[];
    passwordHash: string | null;
    passwordChangeRequired?: boolean;
  },
): Promise<void> {
  const { id, passwordHash } = input;
  const groups = await client.query<{ id: string; name: string }>(
    "SELECT id, name FROM airlock.groups WHERE name = ANY($1::text[])",
    [input.groups],
  );
  const missing = input.groups.filter((g) => !groups.rows.some((r) => r.name === g));
  if (missing.length > 0)
    throw new AirlockError("admin.invalid", `No such group: ${missing.join(", ")}.`, { groups: missing });
  const inserted = await client.query(
    `INSERT INTO airlock.users (id, kind, email, name, password_hash, source, password_change_required)
     VALUES ($1, 'human', $2, $3, $4, 'admin', $5)
     ON CONFLICT (lower(email)) WHERE email IS NOT NULL DO NOTHING`,
    [id, input.email, input.name, passwordHash, input.passwordChangeRequired ?? false],
  );
  if (inserted.rowCount === 0)
    throw new AirlockError("admin.conflict", "A user with this email already exists.");
  for (const group of groups.rows) {
    await client.query(
      "INSERT INTO airlock.group_members (group_id, user_id, source, added_by) VALUES ($1, $2, 'admin', $3)",
      [group.id, id, ctx.actor.id],
    );
  }
  await appendAudit(client, [
    changeEvent(
      ctx,
      "user.created",
      { type: "user", id },
      {
        email: input.email,
        name: input.name,
        groups: input.groups,
        signIn: passwordHash === null ? "sso or invitation" : "password set by the requester",
      },
    ),
    ...groups.rows.map((group) =>
      changeEvent(
        ctx,
        "group.member_added",
        { type: "user", id },
        { group: group.name, groupId: group.id, source: "admin" },
      ),
    ),
  ]);
}

/**
 * Disables or enables a user. Disabling also ends every session and revokes every API token;
 * enabling does not bring them back (the user signs in again), and lifts a sign-in lockout.
 */
export async function setUserStatus(
  pool: pg.Pool,
  ctx: ChangeContext,
  id: string,
  status: "active" | "disabled",
): Promise<UserView> {
  await inTransaction(pool, async (client) => {
    const current = await client.query<{ status: string; email: string | null }>(
      "SELECT status, email FROM airlock.users WHERE id = $1 FOR UPDATE",
      [id],
    );
    const row = current.rows[0];
    if (!row) throw new AirlockError("admin.not_found", "There is no such user.");
    if (status === "disabled" && id === ctx.actor.id)
      throw new AirlockError("admin.invalid", "You cannot disable yourself; ask another admin.");
    if (status === "disabled") {
      if (row.status === "disabled") return;
      await client.query(
        "UPDATE airlock.users SET status = 'disabled', disabled_at = now(), updated_at = now() WHERE id = $1",
        [id],
      );
      const sessionsEnded = await endUserSessions(client, id);
      const tokensRevoked = await revokeUserTokens(client, id);
      await appendAudit(client, [
        changeEvent(ctx, "user.disabled", { type: "user", id }, { sessionsEnded, tokensRevoked }),
      ]);
    } else {
      // Enabling means "this person may sign in again": it also lifts a sign-in lockout, which
      // is how an admin unlocks an account that is active but locked.
      const wasDisabled = row.status === "disabled";
      const lockCleared = await clearAccountLock(client, id);
      if (!wasDisabled && !lockCleared) return;
      await client.query(
        "UPDATE airlock.users SET status = 'active', disabled_at = NULL, updated_at = now() WHERE id = $1",
        [id],
      );
      await appendAudit(client, [
        changeEvent(ctx, "user.enabled", { type: "user", id }, { wasDisabled, lockCleared }),
      ]);
    }
  });
  return (await getUser(pool, id))!;
}
