// SQL of schedules: an admin's pause or resume, and the ticks that started something.
import type { Queryable } from "../store/queryable.ts";

export interface ScheduleStateRow {
  name: string;
  paused: boolean;
  changed_by: string | null;
  changed_by_name: string | null;
  changed_at: Date | null;
  reason: string | null;
}

export interface TickRow {
  schedule: string;
  tick_at: Date;
  actor_id: string | null;
  run_id: string | null;
  runbook_run_id: string | null;
  status: "started" | "refused";
  error_code: string | null;
  error_message: string | null;
  catch_up: boolean;
  for_each_runbook_run_ids: string[];
  recorded_at: Date;
  /** The run's (or runbook run's) status now. */
  target_status: string | null;
}

export async function scheduleStates(db: Queryable): Promise<Map<string, ScheduleStateRow>> {
  const result = await db.query<ScheduleStateRow>(
    `SELECT s.name, s.paused, s.changed_by, u.name AS changed_by_name, s.changed_at, s.reason
       FROM airlock.schedules s LEFT JOIN airlock.users u ON u.id = s.changed_by`,
  );
  return new Map(result.rows.map((row) => [row.name, row]));
}

export async function isPaused(db: Queryable, name: string): Promise<boolean> {
  const result = await db.query<{ paused: boolean }>("SELECT paused FROM airlock.schedules WHERE name = $1", [
    name,
  ]);
  return result.rows[0]?.paused ?? false;
}

/** Set paused; false when it already was in that state (nothing changed, nothing to audit). */
export async function setPaused(
  db: Queryable,
  name: string,
  paused: boolean,
  by: string,
  reason: string | null,
): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO airlock.schedules (name, paused, changed_by, changed_at, reason)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused, changed_by = EXCLUDED.changed_by,
            changed_at = EXCLUDED.changed_at, reason = EXCLUDED.reason
      WHERE airlock.schedules.paused IS DISTINCT FROM EXCLUDED.paused`,
    [name, paused, by, reason],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function recordTick(
  db: Queryable,
  tick: {
    schedule: string;
    tickAt: Date;
    actorId: string | null;
    runId: string | null;
    runbookRunId: string | null;
    forEachRunbookRunIds: string[];
    status: "started" | "refused";
    errorCode: string | null;
    errorMessage: string | null;
    catchUp: boolean;
  },
): Promise<void> {
  // A tick's step run again after a crash writes the same row.
  await db.query(
    `INSERT INTO airlock.schedule_ticks
       (schedule, tick_at, actor_id, run_id, runbook_run_id, status, error_code, error_message, catch_up,
        for_each_runbook_run_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (schedule, tick_at) DO UPDATE SET run_id = EXCLUDED.run_id,
            runbook_run_id = EXCLUDED.runbook_run_id, status = EXCLUDED.status,
            error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
            for_each_runbook_run_ids = EXCLUDED.for_each_runbook_run_ids`,
    [
      tick.schedule,
      tick.tickAt,
      tick.actorId,
      tick.runId,
      tick.runbookRunId,
      tick.status,
      tick.errorCode,
      tick.errorMessage,
      tick.catchUp,
      tick.forEachRunbookRunIds,
    ],
  );
}

/** The newest ticks of each schedule named (at most `limit` each), newest first. */
export async function lastTicks(db: Queryable, names: string[], limit: number): Promise<TickRow[]> {
  if (names.length === 0) return [];
  // Index: schedule_ticks_pkey (schedule, tick_at), read backwards per schedule.
  const result = await db.query<TickRow>(
    `SELECT t.*, COALESCE(r.status, rr.status) AS target_status
       FROM unnest($1::text[]) AS n(name)
       CROSS JOIN LATERAL (
         SELECT * FROM airlock.schedule_ticks WHERE schedule = n.name ORDER BY tick_at DESC LIMIT $2
       ) t
       LEFT JOIN airlock.runs r ON r.id = t.run_id
       LEFT JOIN airlock.runbook_runs rr ON rr.id = t.runbook_run_id
      ORDER BY t.schedule, t.tick_at DESC`,
    [names, limit],
  );
  return result.rows;
}

/** The runbook run a tick started, found by the request id the tick gave it. */
export async function runbookRunOfTick(db: Queryable, requestId: string): Promise<string | null> {
  const result = await db.query<{ id: string }>(
    "SELECT id FROM airlock.runbook_runs WHERE request_id = $1 AND request_id LIKE 'sched:%' ORDER BY created_at LIMIT 1",
    [requestId],
  );
  return result.rows[0]?.id ?? null;
}

/** The latest tick recorded for a schedule. */
export async function latestRecordedTick(db: Queryable, name: string, before: Date): Promise<Date | null> {
  const result = await db.query<{ tick_at: Date }>(
    "SELECT max(tick_at) AS tick_at FROM airlock.schedule_ticks WHERE schedule = $1 AND tick_at <= $2",
    [name, before],
  );
  return result.rows[0]?.tick_at ?? null;
}
