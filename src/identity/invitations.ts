// Invitations: how a new person gets a password nobody else knows. The admin who creates a user
// never sees or sets a password; the person receives a one-time link and chooses their own.
// The token is minted when the email is sent (`mintInvitationToken`) and only its SHA-256 is
// stored, so the database, the delivery log and every API answer hold nothing that signs anyone
// in. A token works once (compare-and-set on `status`), until it expires, and only the newest
// link of an invitation works (each send replaces the hash).
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { newId } from "../ids/ids.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import type { ChangeContext } from "./admin-change.ts";
import { changeEvent } from "./admin-change.ts";
import { hashPassword } from "./passwords.ts";
import { hashSecret } from "./sessions.ts";

/** A week: long enough to cover a weekend and a slow start, short enough to die unused. */
export const DEFAULT_INVITATION_EXPIRY_MS = 7 * 24 * 3_600_000;

// 256 random bits, as session cookies; the prefix makes a leaked link recognisable in a scan.
const TOKEN = /^inv_[A-Za-z0-9_-]{43}$/;

export interface InvitationRow {
  id: string;
  user_id: string;
  status: "pending" | "accepted" | "revoked";
  invited_by: string;
  request_id: string;
  created_at: Date;
  expires_at: Date;
  sent_at: Date | null;
  accepted_at: Date | null;
}

/**
 * A pending invitation for `userId`, in the caller's transaction (any earlier pending one is
 * revoked: only the newest invitation works). The caller announces it (governance emits
 * `user.invited`, which sends the email).
 */
export async function createInvitationIn(
  db: Queryable,
  ctx: ChangeContext,
  input: { userId: string; expiresInMs?: number },
): Promise<InvitationRow> {
  await db.query(
    "UPDATE airlock.invitations SET status = 'revoked' WHERE user_id = $1 AND status = 'pending'",
    [input.userId],
  );
  const result = await db.query<InvitationRow>(
    `INSERT INTO airlock.invitations (id, user_id, status, invited_by, request_id, expires_at)
     VALUES ($1, $2, 'pending', $3, $4, now() + make_interval(secs => $5::double precision / 1000))
     RETURNING id, user_id, status, invited_by, request_id, created_at, expires_at, sent_at, accepted_at`,
    [
      newId("inv"),
      input.userId,
      ctx.actor.id,
      ctx.requestId,
      input.expiresInMs ?? DEFAULT_INVITATION_EXPIRY_MS,
    ],
  );
  const row = result.rows[0]!;
  await appendAudit(db, [
    changeEvent(
      ctx,
      "invitation.created",
      { type: "user", id: input.userId },
      { invitationId: row.id, expiresAt: row.expires_at.toISOString() },
    ),
  ]);
  return row;
}

/**
 * A fresh token for a pending, unexpired invitation, its hash stored in place of the last one
 * (so only the link in the newest email works); null when the invitation is no longer pending.
 * The token is returned to the sender only, never stored.
 */
export async function mintInvitationToken(
  db: Queryable,
  invitationId: string,
): Promise<{ token: string; userId: string; expiresAt: Date } | null> {
  const token = `inv_${randomBytes(32).toString("base64url")}`;
  const result = await db.query<{ user_id: string; expires_at: Date }>(
    `UPDATE airlock.invitations SET token_hash = $2, sent_at = now()
      WHERE id = $1 AND status = 'pending' AND expires_at > now()
      RETURNING user_id, expires_at`,
    [invitationId, hashSecret(token)],
  );
  const row = result.rows[0];
  return row ? { token, userId: row.user_id, expiresAt: row.expires_at } : null;
}

export async function getInvitation(db: Queryable, id: string): Promise<InvitationRow | null> {
  const result = await db.query<InvitationRow>(
    `SELECT id, user_id, status, invited_by, request_id, created_at, expires_at, sent_at, accepted_at
       FROM airlock.invitations WHERE id = $1`,
    [id],
  );
  return result.rows[0] ?? null;
}

/** The newest invitation of each of `userIds` (the admin's users page shows its state). */
export async function latestInvitations(
  db: Queryable,
  userIds: readonly string[],
): Promise<Map<string, InvitationRow>> {
  const result = await db.query<InvitationRow>(
    `SELECT DISTINCT ON (user_id) id, user_id, status, invited_by, request_id, created_at, expires_at, sent_at, accepted_at
       FROM airlock.invitations WHERE user_id = ANY($1::text[])
      ORDER BY user_id, created_at DESC, id DESC`,
    [userIds],
  );
  return new Map(result.rows.map((row) => [row.user_id, row]));
}

interface Invited {
  invitation: InvitationRow;
  user: { id: string; email: string | null; name: string; status: string };
}

/** The invitation a token opens, or its refusal: unknown, used, expired, or the user disabled. */
async function openToken(db: Queryable, token: string, lock: boolean): Promise<Invited> {
  if (!TOKEN.test(token)) throw new AirlockError("invitation.not_found");
  const result = await db.query<InvitationRow & { email: string | null; name: string; user_status: string }>(
    `SELECT i.id, i.user_id, i.status, i.invited_by, i.request_id, i.created_at, i.expires_at, i.sent_at,
            i.accepted_at, u.email, u.name, u.status AS user_status
       FROM airlock.invitations i JOIN airlock.users u ON u.id = i.user_id
      WHERE i.token_hash = $1${lock ? " FOR UPDATE OF i" : ""}`,
    [hashSecret(token)],
  );
  const row = result.rows[0];
  if (!row || row.status === "revoked") throw new AirlockError("invitation.not_found");
  if (row.status === "accepted") throw new AirlockError("invitation.used");
  if (row.expires_at.getTime() <= Date.now()) throw new AirlockError("invitation.expired");
  if (row.user_status !== "active") throw new AirlockError("auth.user_disabled");
  return {
    invitation: row,
    user: { id: row.user_id, email: row.email, name: row.name, status: row.user_status },
  };
}

/** Who a link invites (the set-password page shows it before the person types anything). */
export async function lookupInvitation(
  db: Queryable,
  token: string,
): Promise<{ email: string | null; name: string; expiresAt: Date }> {
  const { invitation, user } = await openToken(db, token, false);
  return { email: user.email, name: user.name, expiresAt: invitation.expires_at };
}

/**
 * The person sets their own password through the link: once. The password is hashed before the
 * transaction (argon2 must not hold a connection); `then` runs in the same transaction (the route
 * starts the session there), so a refused acceptance changes nothing.
 */
export async function acceptInvitation<T>(
  pool: pg.Pool,
  input: { token: string; password: string; client: ClientInfo; requestId: string },
  then: (tx: pg.PoolClient, userId: string) => Promise<T>,
): Promise<T> {
  // Refuse a dead link before spending argon2 on it.
  await openToken(pool, input.token, false);
  const passwordHash = await hashPassword(input.password);
  return await inTransaction(pool, async (tx) => {
    const { invitation, user } = await openToken(tx, input.token, true);
    await tx.query("UPDATE airlock.invitations SET status = 'accepted', accepted_at = now() WHERE id = $1", [
      invitation.id,
    ]);
    await tx.query(
      `UPDATE airlock.users SET password_hash = $2, password_change_required = false, updated_at = now()
        WHERE id = $1`,
      [user.id, passwordHash],
    );
    await appendAudit(tx, [
      {
        type: "invitation.accepted",
        outcome: "success",
        actorId: user.id,
        actorKind: "human",
        requestId: input.requestId,
        parentRequestId: invitation.request_id,
        targetType: "user",
        targetId: user.id,
        data: { invitationId: invitation.id, invitedBy: invitation.invited_by },
        clientIp: input.client.clientIp,
        userAgent: input.client.userAgent,
      },
    ]);
    return await then(tx, user.id);
  });
}
