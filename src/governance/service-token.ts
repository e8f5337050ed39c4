// An API token for another identity (a service identity): whoever holds it acts as that identity,
// so creating one is a change kind (`token.create`). Applied directly, the token is minted and
// shown once in the answer. Approved by a second admin, nothing secret can be minted in the
// approving transaction — the approver must never see it and the database must never hold it —
// so the approval records the right to mint it, and the requester collects the token once, signed
// in, within the change-request expiry window (`collectServiceToken`).
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { type ChangeContext, changeEvent } from "../identity/admin-change.ts";
import { createApiToken, getToken, type TokenView } from "../identity/api-tokens.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";
import { getChange } from "./change-store.ts";

export interface ServiceTokenPayload {
  userId: string;
  name: string;
  expiresAt: string | null;
}

/** The service identity behind a token change, or `admin.not_found` / `admin.invalid`. */
export async function serviceOf(db: Queryable, userId: string): Promise<{ id: string; name: string }> {
  const result = await db.query<{ id: string; name: string; status: string }>(
    "SELECT id, name, status FROM airlock.users WHERE id = $1 AND kind = 'service'",
    [userId],
  );
  const row = result.rows[0];
  if (!row) throw new AirlockError("admin.not_found", "There is no such service identity.");
  if (row.status !== "active")
    throw new AirlockError("admin.invalid", "This service identity is disabled; enable it first.");
  return { id: row.id, name: row.name };
}

/** Mints the token with its `token.created` event, in the caller's transaction. */
export async function mintServiceToken(
  db: Queryable,
  ctx: ChangeContext,
  payload: ServiceTokenPayload,
  changeRequestId: string | null = null,
): Promise<TokenView & { token: string }> {
  await serviceOf(db, payload.userId);
  if (payload.expiresAt && Date.parse(payload.expiresAt) <= Date.now())
    throw new AirlockError("admin.invalid", "The token's expiry has passed; ask for a new token.");
  const created = await createApiToken(db, {
    userId: payload.userId,
    name: payload.name,
    createdBy: ctx.actor.id,
    expiresAt: payload.expiresAt ? new Date(payload.expiresAt) : null,
  });
  await appendAudit(db, [
    changeEvent(
      ctx,
      "token.created",
      { type: "token", id: created.id },
      {
        owner: payload.userId,
        name: payload.name,
        prefix: created.prefix,
        expiresAt: payload.expiresAt,
        ...(changeRequestId ? { changeRequestId } : {}),
      },
    ),
  ]);
  return { ...(await getToken(db, created.id))!, token: created.token };
}

/**
 * The requester of an approved `token.create` change collects its token: once, with a signed-in
 * session (a token minting tokens would outlive itself), within `windowMs` of the approval.
 */
export async function collectServiceToken(
  db: Queryable,
  ctx: ChangeContext,
  changeId: string,
  windowMs: number,
): Promise<TokenView & { token: string }> {
  const principal: Principal = ctx.actor;
  if (principal.via !== "session") throw new AirlockError("token.session_required");
  const change = await getChange(db, changeId, { forUpdate: true });
  if (!change || change.requested_by !== principal.id || change.kind !== "token.create")
    throw new AirlockError("change.not_found");
  if (change.status !== "applied") throw new AirlockError("change.not_applied");
  if (change.result?.tokenId) throw new AirlockError("change.token_collected");
  if (!change.decided_at || change.decided_at.getTime() + windowMs <= Date.now())
    throw new AirlockError("change.token_expired");
  const token = await mintServiceToken(db, ctx, change.payload as unknown as ServiceTokenPayload, change.id);
  await db.query(
    `UPDATE airlock.change_requests
        SET result = COALESCE(result, '{}'::jsonb) || jsonb_build_object('tokenId', $2::text, 'collectedAt', now())
      WHERE id = $1`,
    [change.id, token.id],
  );
  return token;
}
