// The lines a run's handler logged (ctx.log), already masked and capped (control/run-log.ts):
// appended in the run's transaction, read by the run page and `airlock runs logs`.
import type { Queryable } from "../store/queryable.ts";

export type RunLogLevel = "debug" | "info" | "warn" | "error";

export interface RunLogLine {
  seq: number;
  at: Date;
  level: RunLogLevel;
  message: string;
  data: Record<string, unknown> | null;
}

export interface StoredRunLogLine extends RunLogLine {
  attempt: number;
  requestId: string;
}

/** One statement for all of an attempt's lines (arrays unnested), in the caller's transaction. */
export async function appendRunLogs(
  db: Queryable,
  run: { runId: string; attempt: number; requestId: string },
  lines: readonly RunLogLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await db.query(
    `INSERT INTO airlock.run_logs (run_id, attempt, seq, at, level, message, data, request_id)
     SELECT $1, $2, l.seq, l.at, l.level, l.message, l.data, $3
       FROM unnest($4::int[], $5::timestamptz[], $6::text[], $7::text[], $8::jsonb[])
            AS l(seq, at, level, message, data)`,
    [
      run.runId,
      run.attempt,
      run.requestId,
      lines.map((l) => l.seq),
      lines.map((l) => l.at),
      lines.map((l) => l.level),
      lines.map((l) => l.message),
      lines.map((l) => (l.data === null ? null : JSON.stringify(l.data))),
    ],
  );
}

/** A run's lines, attempt by attempt, in the order they were logged (the primary key's order). */
export async function listRunLogs(db: Queryable, runId: string): Promise<StoredRunLogLine[]> {
  const result = await db.query<{
    attempt: number;
    seq: number;
    at: Date;
    level: RunLogLevel;
    message: string;
    data: Record<string, unknown> | null;
    request_id: string;
  }>(
    `SELECT attempt, seq, at, level, message, data, request_id
       FROM airlock.run_logs WHERE run_id = $1 ORDER BY attempt, seq`,
    [runId],
  );
  return result.rows.map((r) => ({
    attempt: r.attempt,
    seq: r.seq,
    at: r.at,
    level: r.level,
    message: r.message,
    data: r.data,
    requestId: r.request_id,
  }));
}
