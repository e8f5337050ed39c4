// An audit event as read back: the shape search returns, export writes and the run page shows.
// Times are ISO 8601 UTC with microseconds (a JavaScript Date would drop them), ids are strings
// (bigint), and params/data arrive as PostgreSQL's jsonb text so an export can copy them exactly.

export interface AuditEventRecord {
  id: string;
  txid: string;
  occurredAt: string;
  type: string;
  outcome: string;
  actorId: string | null;
  actorKind: string | null;
  onBehalfOf: string | null;
  action: string | null;
  actionVersion: string | null;
  targetType: string | null;
  targetId: string | null;
  runId: string | null;
  approvalRequestId: string | null;
  requestId: string | null;
  parentRequestId: string | null;
  idempotencyKey: string | null;
  errorCode: string | null;
  reason: string | null;
  params: unknown;
  data: unknown;
  clientIp: string | null;
  userAgent: string | null;
}

/** Record fields in order, with the column each comes from. */
export const RECORD_FIELDS = [
  ["id", "id::text"],
  ["txid", "txid::text"],
  ["occurredAt", `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`],
  ["type", "type"],
  ["outcome", "outcome"],
  ["actorId", "actor_id"],
  ["actorKind", "actor_kind"],
  ["onBehalfOf", "on_behalf_of"],
  ["action", "action"],
  ["actionVersion", "action_version"],
  ["targetType", "target_type"],
  ["targetId", "target_id"],
  ["runId", "run_id"],
  ["approvalRequestId", "approval_request_id"],
  ["requestId", "request_id"],
  ["parentRequestId", "parent_request_id"],
  ["idempotencyKey", "idempotency_key"],
  ["errorCode", "error_code"],
  ["reason", "reason"],
  ["params", "params::text"],
  ["data", "data::text"],
  ["clientIp", "client_ip"],
  ["userAgent", "user_agent"],
] as const satisfies readonly (readonly [keyof AuditEventRecord, string])[];

const JSON_FIELDS = new Set<string>(["params", "data"]);

/**
 * SELECT list for rows read with `rowMode: "array"`, in RECORD_FIELDS order. The aliases matter:
 * unaliased, `id::text` would be an output column named id, and `ORDER BY id` would then sort ids
 * as text ("94" after "934").
 */
export const RECORD_SELECT = RECORD_FIELDS.map(([, expression], i) => `${expression} AS f${i}`).join(", ");

/** An array-mode row → record (jsonb text parsed). */
export function toRecord(row: readonly (string | null)[]): AuditEventRecord {
  const record: Record<string, unknown> = {};
  RECORD_FIELDS.forEach(([name], i) => {
    const value = row[i] ?? null;
    record[name] = JSON_FIELDS.has(name) && value !== null ? JSON.parse(value) : value;
  });
  return record as unknown as AuditEventRecord;
}

/** An array-mode row → one JSON line, with jsonb copied verbatim (no number rounding through JS). */
export function toJsonLine(row: readonly (string | null)[]): string {
  let line = "{";
  RECORD_FIELDS.forEach(([name], i) => {
    const value = row[i] ?? null;
    const json = value === null ? "null" : JSON_FIELDS.has(name) ? value : JSON.stringify(value);
    line += `${i === 0 ? "" : ","}"${name}":${json}`;
  });
  return `${line}}\n`;
}
