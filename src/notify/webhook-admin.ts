// An admin's hand on registered webhooks: disable (deliveries stop; pending ones are skipped, the
// log is kept), enable again, delete (the webhook and its secret go; its delivery log stays as
// notification rows for the audit's sake). Each change is audited with who and from where.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ChangeContext } from "../identity/admin-change.ts";
import { inTransaction } from "../store/transaction.ts";
import type { WebhookRow } from "./webhooks.ts";

const COLUMNS = "id, url, event_types, internal, description, created_by, created_at, disabled_at";

/** Disable or enable a webhook; the webhook as it is now. Setting it to what it is changes nothing. */
export async function setWebhookDisabled(
  pool: pg.Pool,
  ctx: ChangeContext,
  id: string,
  disabled: boolean,
): Promise<WebhookRow> {
  return await inTransaction(pool, async (tx) => {
    const updated = await tx.query<WebhookRow>(
      `UPDATE airlock.webhooks SET disabled_at = CASE WHEN $2 THEN now() ELSE NULL END
        WHERE id = $1 AND (disabled_at IS NULL) = $2
        RETURNING ${COLUMNS}`,
      [id, disabled],
    );
    const row = updated.rows[0];
    if (!row) {
      const current = await tx.query<WebhookRow>(`SELECT ${COLUMNS} FROM airlock.webhooks WHERE id = $1`, [
        id,
      ]);
      if (!current.rows[0]) throw new AirlockError("webhook.not_found");
      return current.rows[0];
    }
    await appendAudit(tx, [
      {
        type: disabled ? "webhook.disabled" : "webhook.enabled",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        data: { webhookId: row.id, url: row.url },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
    return row;
  });
}

export async function deleteWebhook(pool: pg.Pool, ctx: ChangeContext, id: string): Promise<void> {
  await inTransaction(pool, async (tx) => {
    const deleted = await tx.query<{ id: string; url: string }>(
      "DELETE FROM airlock.webhooks WHERE id = $1 RETURNING id, url",
      [id],
    );
    const row = deleted.rows[0];
    if (!row) throw new AirlockError("webhook.not_found");
    await appendAudit(tx, [
      {
        type: "webhook.deleted",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        data: { webhookId: row.id, url: row.url },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
  });
}
