// Signing in a person the OpenID provider vouched for: match the Airlock user by verified email
// (or provision one, source `oidc`), bring their SSO-sourced group memberships in line with the
// groups claim, and start a normal session. Only a verified email is trusted: an unverified one
// could be anyone's address typed into a self-service IdP account.
import type pg from "pg";
import type { AuditEventInput, ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { newId } from "../ids/ids.ts";
import { inTransaction } from "../store/transaction.ts";
import { OidcFailure, type OidcIdentity } from "./oidc-client.ts";
import type { LoginResult } from "./password-login.ts";
import { type SessionPolicy, sessionRef, startSession } from "./sessions.ts";

export interface OidcSignInInput {
  identity: OidcIdentity;
  client: ClientInfo;
  requestId: string;
  previousCookie: string | null;
}

export async function oidcSignIn(
  pool: pg.Pool,
  input: OidcSignInInput,
  options: { sessionPolicy?: SessionPolicy } = {},
): Promise<LoginResult> {
  const { identity } = input;
  if (!identity.email) throw new OidcFailure("email_missing");
  if (!identity.emailVerified) throw new OidcFailure("email_unverified");
  // Two first sign-ins of the same person at once: one INSERT loses on the unique email index;
  // running again finds the user the other created.
  for (let attempt = 1; ; attempt++) {
    try {
      return await signInOnce(pool, input, options);
    } catch (error) {
      if (attempt >= 2 || (error as { code?: string }).code !== "23505") throw error;
    }
  }
}

async function signInOnce(
  pool: pg.Pool,
  input: OidcSignInInput,
  options: { sessionPolicy?: SessionPolicy },
): Promise<LoginResult> {
  const { identity } = input;
  const email = identity.email!;
  const base = {
    requestId: input.requestId,
    clientIp: input.client.clientIp,
    userAgent: input.client.userAgent,
  };
  const sso = { issuer: identity.issuer, subject: identity.subject };
  return await inTransaction(pool, async (client) => {
    const events: AuditEventInput[] = [];
    const found = await client.query<{ id: string; name: string; status: string }>(
      "SELECT id, name, status FROM airlock.users WHERE kind = 'human' AND lower(email) = lower($1) FOR UPDATE",
      [email],
    );
    let user = found.rows[0];
    if (user && user.status !== "active") throw new AirlockError("auth.user_disabled");
    if (!user) {
      const id = newId("usr");
      const name = identity.name ?? email;
      await client.query(
        "INSERT INTO airlock.users (id, kind, email, name, source) VALUES ($1, 'human', $2, $3, 'oidc')",
        [id, email, name],
      );
      user = { id, name, status: "active" };
      events.push({
        ...base,
        type: "user.created",
        outcome: "success",
        actorId: id,
        actorKind: "human",
        targetType: "user",
        targetId: id,
        data: { email, name, source: "oidc", signIn: "sso", ...sso },
      });
    }
    const userId = user.id;
    if (identity.groups !== null)
      events.push(...(await syncSsoGroups(client, userId, identity.groups, base)));
    const session = await startSession(
      client,
      { userId, client: input.client, replacing: input.previousCookie },
      options.sessionPolicy,
    );
    await client.query("UPDATE airlock.users SET last_login_at = now() WHERE id = $1", [userId]);
    events.push({
      ...base,
      type: "session.login",
      outcome: "success",
      actorId: userId,
      actorKind: "human",
      data: { method: "oidc", session: sessionRef(session.idHash), ...sso },
    });
    await appendAudit(client, events);
    return { user: { id: userId, kind: "human" as const, name: user.name, email }, session };
  });
}

/**
 * Memberships with source `oidc` follow the claim at every sign-in: added for each Airlock group
 * whose name or SSO alias is in the claim, removed when it no longer is. Memberships an admin
 * added (source `admin`) are left alone. Claim values that name no group are ignored: the
 * provider cannot create groups, and so cannot invent permissions.
 */
async function syncSsoGroups(
  client: pg.PoolClient,
  userId: string,
  claimed: string[],
  base: { requestId: string; clientIp: string | null; userAgent: string | null },
): Promise<AuditEventInput[]> {
  const values = [...new Set(claimed.map((v) => v.slice(0, 200)))].slice(0, 500);
  const wanted = await client.query<{ id: string; name: string }>(
    "SELECT id, name FROM airlock.groups WHERE name = ANY($1::text[]) OR sso_aliases && $1::text[]",
    [values],
  );
  const wantedIds = wanted.rows.map((g) => g.id);
  const removed = await client.query<{ group_id: string; name: string }>(
    `DELETE FROM airlock.group_members m USING airlock.groups g
      WHERE m.user_id = $1 AND m.source = 'oidc' AND g.id = m.group_id AND NOT (m.group_id = ANY($2::text[]))
      RETURNING m.group_id, g.name`,
    [userId, wantedIds],
  );
  const added = await client.query<{ group_id: string }>(
    `INSERT INTO airlock.group_members (group_id, user_id, source, added_by)
     SELECT id, $1, 'oidc', 'oidc' FROM unnest($2::text[]) AS id
     ON CONFLICT DO NOTHING RETURNING group_id`,
    [userId, wantedIds],
  );
  const nameOf = new Map(wanted.rows.map((g) => [g.id, g.name]));
  const event = (type: "group.member_added" | "group.member_removed", groupId: string, group: string) => ({
    ...base,
    type,
    outcome: "success" as const,
    actorId: userId,
    actorKind: "human" as const,
    targetType: "user",
    targetId: userId,
    data: { group, groupId, source: "oidc" },
  });
  return [
    ...removed.rows.map((r) => event("group.member_removed", r.group_id, r.name)),
    ...added.rows.map((r) => event("group.member_added", r.group_id, nameOf.get(r.group_id) ?? "")),
  ];
}

/** Audits a refused SSO sign-in (bad state, replayed code, unverified email, disabled user…). */
export async function auditOidcFailure(
  pool: pg.Pool,
  error: AirlockError,
  input: { client: ClientInfo; requestId: string; identity?: OidcIdentity | null },
): Promise<void> {
  await appendAudit(pool, [
    {
      type: "session.login_failed",
      outcome: "failure",
      actorKind: "anonymous",
      requestId: input.requestId,
      errorCode: error.code,
      data: {
        method: "oidc",
        reason: error instanceof OidcFailure ? error.reason : error.code,
        ...(input.identity ? { issuer: input.identity.issuer, subject: input.identity.subject } : {}),
      },
      clientIp: input.client.clientIp,
      userAgent: input.client.userAgent,
    },
  ]);
}
