// Sign-in with email and password. Every refusal a stranger can provoke looks the same: an
// unknown email, a wrong password and an SSO-only user all get `auth.invalid_credentials`, after
// the same argon2 work (passwords.ts). Only someone who knows the password learns that the user
// is disabled. Attempts are throttled per account and per client IP (login-throttle.ts), and
// every outcome is audited.
import type pg from "pg";
import type { AuditEventInput, ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { inTransaction } from "../store/transaction.ts";
import { IDENTIFIER_KEY_NAME, identifierHash } from "./identifier-hash.ts";
import {
  accountKey,
  admitAttempt,
  DEFAULT_THROTTLE_POLICY,
  pruneThrottle,
  recordFailure,
  recordSuccess,
  type ThrottlePolicy,
  throttleKeys,
} from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";

import { type NewSession, pruneSessions, type SessionPolicy, sessionRef, startSession } from "./sessions.ts";

export interface LoginInput {
  email: string;
  password: string;
  client: ClientInfo;
  /** The address the per-IP limit counts against (null: none, e.g. behind an untrusted proxy). */
  throttleIp: string | null;
  requestId: string;
  /** The session cookie the browser already had (revoked: rotation at sign-in). */
  previousCookie: string | null;
  /**
   * The person's own new password, replacing `password` in the sign-in's transaction: how
   * someone whose password another person chose (it must be changed) gets in at all.
   */
  newPassword?: string;
}

export interface SignedInUser {
  id: string;
  kind: "human" | "service";
  name: string;
  email: string | null;
}

export interface LoginResult {
  user: SignedInUser;
  session: NewSession;
}

interface UserRow extends SignedInUser {
  status: "active" | "disabled";
  password_hash: string | null;
  password_change_required: boolean;
}

export async function passwordLogin(
  pool: pg.Pool,
  input: LoginInput,
  options: { sessionPolicy?: SessionPolicy; throttlePolicy?: ThrottlePolicy } = {},
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  // The instance's identifier key comes with the user lookup (one round trip).
  const found = await pool.query<Partial<UserRow> & { key: Buffer }>(
    `SELECT k.key, u.id, u.kind, u.name, u.email, u.status, u.password_hash, u.password_change_required
       FROM airlock.server_keys k
       LEFT JOIN airlock.users u ON u.kind = 'human' AND lower(u.email) = $1
      WHERE k.name = $2`,
    [email, IDENTIFIER_KEY_NAME],
  );
  const row = found.rows[0];
  if (!row) throw new Error("airlock.server_keys has no identifier_hash key (migration 0016 not applied?)");
  const user = row.id ? (row as UserRow) : null;
  const emailHash = user ? null : identifierHash(row.key, email);
  const keys = throttleKeys(
    accountKey(user ? { userId: user.id } : { identifierHash: emailHash! }),
    input.throttleIp,
    options.throttlePolicy ?? DEFAULT_THROTTLE_POLICY,
  );
  const failed = (errorCode: string, data: Record<string, unknown>): AuditEventInput => ({
    type: "session.login_failed",
    outcome: "failure",
    actorId: user?.id ?? null,
    actorKind: user ? user.kind : "anonymous",
    requestId: input.requestId,
    errorCode,
    // The typed email is kept only when it names a user: for unknown emails it may be a password
    // typed into the wrong field. Its keyed hash (as in the throttle) still groups attempts.
    data: { method: "password", ...(emailHash ? { emailHash: emailHash.slice(0, 16) } : {}), ...data },
    clientIp: input.client.clientIp,
    userAgent: input.client.userAgent,
  });

  const admission = await admitAttempt(pool, keys);
  if (admission.lockedBy) {
    // Refusals by an IP lock are not audited one by one: the lock itself was (session.locked), and
    // a locked client must not be able to grow the audit trail at request speed.
    if (admission.lockedBy.scope === "account")
      await appendAudit(pool, [failed("auth.locked", { lockedUntil: admission.lockedUntil })]);
    const lockMs = admission.lockedUntil
      ? admission.lockedUntil.getTime() - Date.now()
      : admission.lockedBy.rule.lockMs;
    throw new AirlockError("auth.locked", undefined, {
      retryAfterSeconds: Math.max(1, Math.ceil(lockMs / 1000)),
    });
  }

  const passwordOk = await verifyPassword(user?.password_hash ?? null, input.password);
  if (!passwordOk || !user || user.status !== "active") {
    const disabled = passwordOk && user?.status === "disabled";
    const errorCode = disabled ? "auth.user_disabled" : "auth.invalid_credentials";
    await inTransaction(pool, async (client) => {
      const locks = await recordFailure(client, keys);
      await appendAudit(client, [
        failed(errorCode, { reason: disabled ? "user_disabled" : "bad_credentials" }),
        ...locks.map(
          (lock): AuditEventInput => ({
            type: "session.locked",
            outcome: "denied",
            actorId: lock.key.scope === "account" ? (user?.id ?? null) : null,
            actorKind: lock.key.scope === "account" && user ? user.kind : "anonymous",
            requestId: input.requestId,
            errorCode: "auth.locked",
            data: {
              scope: lock.key.scope,
              ...(lock.key.scope === "account" && emailHash ? { emailHash: emailHash.slice(0, 16) } : {}),
              failures: lock.key.rule.max,
              lockedUntil: lock.lockedUntil,
            },
            clientIp: input.client.clientIp,
            userAgent: input.client.userAgent,
          }),
        ),
      ]);
    });
    throw new AirlockError(errorCode as "auth.user_disabled" | "auth.invalid_credentials");
  }

  // A password someone else chose (the first admin's, from the command line) opens no session:
  // whoever chose it knows it. The person picks their own first (POST /api/v1/session/password).
  if (user.password_change_required && input.newPassword === undefined) {
    await appendAudit(pool, [
      failed("auth.password_change_required", { reason: "password_change_required" }),
    ]);
    throw new AirlockError("auth.password_change_required");
  }
  // Hashed after the old one was verified (no argon2 spent for a stranger) and before the
  // transaction (argon2 must not hold a connection).
  const newHash = input.newPassword === undefined ? null : await hashPassword(input.newPassword);

  const session = await inTransaction(pool, async (client) => {
    await recordSuccess(client, keys);
    if (newHash !== null) {
      await client.query(
        `UPDATE airlock.users SET password_hash = $2, password_change_required = false, updated_at = now()
          WHERE id = $1`,
        [user.id, newHash],
      );
      await appendAudit(client, [
        {
          type: "user.password_changed",
          outcome: "success",
          actorId: user.id,
          actorKind: user.kind,
          requestId: input.requestId,
          targetType: "user",
          targetId: user.id,
          data: { wasChosenBySomeoneElse: user.password_change_required },
          clientIp: input.client.clientIp,
          userAgent: input.client.userAgent,
        },
      ]);
    }
    const created = await startSession(
      client,
      { userId: user.id, client: input.client, replacing: input.previousCookie },
      options.sessionPolicy,
    );
    await client.query("UPDATE airlock.users SET last_login_at = now() WHERE id = $1", [user.id]);
    await appendAudit(client, [
      {
        type: "session.login",
        outcome: "success",
        actorId: user.id,
        actorKind: user.kind,
        requestId: input.requestId,
        data: { method: "password", session: sessionRef(created.idHash) },
        clientIp: input.client.clientIp,
        userAgent: input.client.userAgent,
      },
    ]);
    return created;
  });
  // Housekeeping off the answer's path; a failure here costs nothing but a retry next time.
  void pruneSessions(pool)
    .then(() => pruneThrottle(pool))
    .catch(() => {});
  return { user: { id: user.id, kind: user.kind, name: user.name, email: user.email }, session };
}
