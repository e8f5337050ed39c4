// Every admin is told by email the moment someone takes an emergency role: who, which role, why,
// until when. The rows go through the notifier's delivery (its queue retries with backoff, and the
// delivery log and the demo Mailbox show them), written once per event like any notification.
import type pg from "pg";
import type { Engine } from "../engine/engine.ts";
import type { EventOutbox } from "../events/event-outbox.ts";
import type { OutboxEvent } from "../events/event-types.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { insertNotifications } from "../notify/notification-store.ts";
import { NOTIFY_QUEUE } from "../notify/notifier.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { getBreakGlass } from "./break-glass.ts";
import { adminGroups } from "./sensitivity.ts";

export function startBreakGlassAlerts(deps: {
  pool: pg.Pool;
  events: EventOutbox;
  engine: Engine;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  baseUrl: string;
  /** Without email there is nobody to write to (the audit and the banner still say it). */
  emailOn: boolean;
}): () => void {
  async function alert(event: OutboxEvent): Promise<void> {
    if (!deps.emailOn) return;
    const { breakGlassId } = (event as OutboxEvent<"breakglass.started">).payload;
    const row = await getBreakGlass(deps.pool, breakGlassId);
    if (!row) return;
    const admins = await deps.pool.query<{ id: string; email: string }>(
      `SELECT DISTINCT u.id, u.email FROM airlock.users u
         JOIN airlock.group_members m ON m.user_id = u.id JOIN airlock.groups g ON g.id = m.group_id
        WHERE g.name = ANY($1::text[]) AND u.status = 'active' AND u.kind = 'human' AND u.email IS NOT NULL`,
      [await adminGroups(deps.workspace, deps.authorizer)],
    );
    const until = row.ends_at.toISOString().slice(0, 16).replace("T", " ");
    const subject = `Break-glass: ${row.user_name} took the emergency role "${row.role}"`;
    const text = [
      `${row.user_name} (${row.user_email ?? row.user_id}) took the emergency role "${row.role}" until ${until} UTC.`,
      "",
      `Reason: ${row.reason}`,
      "",
      "It took effect at once, without approval. It ends by itself; while it lasts they approve nothing.",
      "Afterwards an admin other than them must review what they did (airlock: GET /api/v1/break-glass?review=pending).",
      `Audit trail: ${deps.baseUrl}/audit?actorId=${encodeURIComponent(row.user_id)}`,
    ].join("\n");
    const created = await inTransaction(deps.pool, async (tx) => {
      const ids = await insertNotifications(
        tx,
        admins.rows.map((admin) => ({
          eventId: event.id,
          eventType: event.type,
          channel: "email" as const,
          recipientId: admin.id,
          address: admin.email,
          subject,
          text,
          html: null,
          content: null,
          approvalRequestId: null,
          runId: null,
        })),
      );
      for (const id of ids) await deps.engine.enqueue(tx, NOTIFY_QUEUE, { notificationId: id });
      return ids;
    });
    if (created.length > 0) deps.engine.wake(NOTIFY_QUEUE);
  }
  return deps.events.consume({ name: "break-glass-alerts", types: ["breakglass.started"] }, alert);
}
