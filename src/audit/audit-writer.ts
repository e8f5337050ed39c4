// Appends audit events. Always called with the transaction that makes the change the events
// describe, so no effect can exist without its record (and no record without its effect).
//
// Hot path: one multi-row INSERT per call, hand-written. It relies on no index for the write; the
// search indexes in migrations/0004_audit.sql are what it pays for on insert.

import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { AuditEventInput } from "./audit-event.ts";

const COLUMNS = [
  "type",
  "outcome",
  "actor_id",
  "actor_kind",
  "on_behalf_of",
  "action",
  "action_version",
  "target_type",
  "target_id",
  "run_id",
  "approval_request_id",
  "request_id",
  "parent_request_id",
  "idempotency_key",
  "error_code",
  "reason",
  "params",
  "data",
  "client_ip",
  "user_agent",
] as const;

export function auditInsertSql(count: number): string {
  const width = COLUMNS.length;
  const rows: string[] = [];
  for (let r = 0; r < count; r++) {
    const cells: string[] = [];
    for (let c = 0; c < width; c++) {
      const n = r * width + c + 1;
      cells.push(COLUMNS[c] === "params" || COLUMNS[c] === "data" ? `$${n}::jsonb` : `$${n}`);
    }
    rows.push(`(${cells.join(", ")})`);
  }
  return `INSERT INTO airlock.audit_events (${COLUMNS.join(", ")}) VALUES ${rows.join(", ")}`;
}

export function auditValues(event: AuditEventInput): unknown[] {
  return [
    event.type,
    event.outcome,
    event.actorId ?? null,
    event.actorKind ?? null,
    event.onBehalfOf ?? null,
    event.action ?? null,
    event.actionVersion ?? null,
    event.targetType ?? null,
    event.targetId ?? null,
    event.runId ?? null,
    event.approvalRequestId ?? null,
    event.requestId ?? null,
    event.parentRequestId ?? null,
    event.idempotencyKey ?? null,
    event.errorCode ?? null,
    // Free text is scrubbed where it enters; this catches any caller that forgot.
    event.reason == null ? null : scrubText(event.reason),
    event.params === undefined ? null : JSON.stringify(event.params),
    event.data === undefined ? null : JSON.stringify(event.data),
    event.clientIp ?? null,
    event.userAgent ?? null,
  ];
}

const sqlCache = new Map<number, string>();

// Up to this many events per call, the statement is named (prepared once per connection and row
// count); larger batches are rare and parsed each time.
const NAMED_UP_TO = 8;

export async function appendAudit(db: Queryable, events: AuditEventInput[]): Promise<void> {
  const count = events.length;
  if (count === 0) return;
  const values = events.flatMap(auditValues);
  if (count > NAMED_UP_TO) {
    await db.query(auditInsertSql(count), values);
    return;
  }
  let text = sqlCache.get(count);
  if (!text) {
    text = auditInsertSql(count);
    sqlCache.set(count, text);
  }
  await db.query({ name: `airlock.append_audit_${count}`, text, values });
}
