// The SQL of the steps whose row is written with their outcome, not before it: action steps and
// `rb.step` computations. An action step is its own checkpoint: its row (its run, its status,
// whether it waited) commits in its run's transaction, with the run's effects and audit events,
// and the runbook's workflow finds it there on a resume (runbook-runner.ts). A computation's row is
// written once it has its result, in one write. Either is shown as running only if it takes a
// while (`showStepRunning`). No write moves a step out of succeeded or cancelled, so a late write
// never undoes a step's end.
import { announcingRows } from "../events/event-emit.ts";
import type { Queryable } from "../store/queryable.ts";
import { STEP_EVENT, touchRun } from "./runbook-store.ts";

// The statements every step sends, named: prepared once per connection, PostgreSQL parses them
// once instead of at every step.
const RECORD_ACTION_STEP = announcingRows(
  "runbook.step",
  `INSERT INTO airlock.runbook_steps AS s
     (runbook_run_id, name, position, kind, status, action, run_id, error, waited, finished_at)
   VALUES ($1, $2, $3, 'action', $4, $5, $6, $7, $8, CASE WHEN $8 THEN NULL ELSE now() END)
   ON CONFLICT (runbook_run_id, name) DO UPDATE
     SET run_id = EXCLUDED.run_id, status = EXCLUDED.status, error = EXCLUDED.error,
         -- A retry's new run starts the step's waiting afresh; the same run keeps its history.
         waited = CASE WHEN s.run_id IS NOT DISTINCT FROM EXCLUDED.run_id
                       THEN s.waited OR EXCLUDED.waited ELSE EXCLUDED.waited END,
         started_at = CASE WHEN s.run_id IS NOT DISTINCT FROM EXCLUDED.run_id
                           THEN s.started_at ELSE now() END,
         output = NULL, finished_at = EXCLUDED.finished_at
     WHERE s.status NOT IN ('succeeded', 'cancelled')
   RETURNING s.waited, ${STEP_EVENT}`,
);
const LIVE_RUNBOOK_STATUS = `UPDATE airlock.runbook_runs
    SET status = airlock.live_runbook_status(status, coalesce($2, status)), updated_at = now()
  WHERE id = $1`;
const RECORD_COMPUTED_STEP = announcingRows(
  "runbook.step",
  `INSERT INTO airlock.runbook_steps AS s
     (runbook_run_id, name, position, kind, status, output, error, started_at, finished_at)
   VALUES ($1, $2, $3, 'step', $4, $5, $6, now() - make_interval(secs => $7), now())
   ON CONFLICT (runbook_run_id, name) DO UPDATE
     SET status = EXCLUDED.status, output = EXCLUDED.output, error = EXCLUDED.error,
         started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at
     WHERE s.status NOT IN ('succeeded', 'cancelled')
   RETURNING ${STEP_EVENT}`,
);

/** What a step records of its run: waiting while the run is not over, then its end. */
export type StepRunEnd = {
  status: "waiting" | "succeeded" | "failed";
  error?: { code: string; message: string };
};

/** An action step as a resumed workflow finds it. */
export interface RecordedActionStep {
  status: "running" | "waiting" | "succeeded" | "failed" | "cancelled";
  runId: string | null;
  /** Its run was not over when the step first recorded it: the step waited for its end. */
  waited: boolean;
}

/** The action steps a runbook run has recorded so far, by name (read once as its workflow begins). */
export async function recordedActionSteps(
  db: Queryable,
  runbookRunId: string,
): Promise<Map<string, RecordedActionStep>> {
  const { rows } = await db.query<{
    name: string;
    status: RecordedActionStep["status"];
    run_id: string | null;
    waited: boolean;
  }>(
    `SELECT name, status, run_id, waited FROM airlock.runbook_steps
      WHERE runbook_run_id = $1 AND kind = 'action'`,
    [runbookRunId],
  );
  return new Map(rows.map((r) => [r.name, { status: r.status, runId: r.run_id, waited: r.waited }]));
}

/**
 * Where an action step stands, on the step and its runbook run: its run (null when the control
 * layer refused it before making one), waiting (the run held or queued), succeeded or failed. The
 * row is created if the step has none yet. Answers whether the step waited (null: it had already
 * ended, and nothing was written). Issues both statements before its first await, so they
 * ride the caller's write: the run's own transaction (`recordWith`), or one BEGIN…COMMIT
 * (`inOneWrite`).
 */
export function recordActionStep(
  db: Queryable,
  step: { runbookRunId: string; name: string; position: number; action: string },
  runId: string | null,
  end: StepRunEnd,
  /** In the step's run's transaction: raise if the runbook run has ended (the run then rolls back). */
  options: { runbookLive?: boolean } = {},
): Promise<{ waited: boolean | null }> {
  const waiting = end.status === "waiting";
  const written = db.query<{ waited: boolean }>({
    name: "airlock.record_action_step",
    text: RECORD_ACTION_STEP,
    values: [
      step.runbookRunId,
      step.name,
      step.position,
      end.status,
      step.action,
      runId,
      end.error ? JSON.stringify(end.error) : null,
      waiting,
    ],
  });
  // A failed step leaves its runbook run's status to the runbook's end (the runbook fails with it).
  const next = end.status === "failed" ? null : waiting ? "waiting" : "running";
  const run = options.runbookLive
    ? db.query({
        name: "airlock.live_runbook_status",
        text: LIVE_RUNBOOK_STATUS,
        values: [step.runbookRunId, next],
      })
    : next && touchRun(db, step.runbookRunId, next);
  // No row back: the step had already ended (a late write), and what it recorded stands.
  return Promise.all([written, run]).then(([result]) => ({ waited: result.rows[0]?.waited ?? null }));
}

/**
 * A step shown as running while it is under way, written beside its outcome's write: it never
 * changes a row that exists (the outcome's write may have come first).
 */
export async function showStepRunning(
  db: Queryable,
  step: { runbookRunId: string; name: string; position: number; kind: "action" | "step"; action?: string },
): Promise<void> {
  await db.query(
    announcingRows(
      "runbook.step",
      `INSERT INTO airlock.runbook_steps AS s (runbook_run_id, name, position, kind, status, action)
       VALUES ($1, $2, $3, $4, 'running', $5)
       ON CONFLICT (runbook_run_id, name) DO NOTHING
       RETURNING ${STEP_EVENT}`,
    ),
    [step.runbookRunId, step.name, step.position, step.kind, step.action ?? null],
  );
}

/**
 * An `rb.step` computation's end, its row written in one go: its output or its error, started
 * `elapsedMs` before now on the database's clock. Issues its statements before its first await
 * (`inOneWrite`).
 */
export function recordComputedStep(
  db: Queryable,
  step: { runbookRunId: string; name: string; position: number },
  end:
    | { status: "succeeded"; output: unknown }
    | { status: "failed"; error: { code: string; message: string } },
  elapsedMs: number,
): Promise<void> {
  const written = db.query({
    name: "airlock.record_computed_step",
    text: RECORD_COMPUTED_STEP,
    values: [
      step.runbookRunId,
      step.name,
      step.position,
      end.status,
      end.status === "succeeded" ? JSON.stringify(end.output ?? null) : null,
      end.status === "failed" ? JSON.stringify(end.error) : null,
      Math.max(0, elapsedMs) / 1000,
    ],
  });
  const run = end.status === "succeeded" ? touchRun(db, step.runbookRunId, "running") : null;
  return Promise.all([written, run]).then(() => {});
}

/** The run an action step made with its key, whatever the key's claim's age (index: runs_runbook_key_idx). */
export async function runOfStepKey(db: Queryable, actorId: string, key: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM airlock.runs WHERE actor_id = $1 AND idempotency_key = $2 AND idempotency_key LIKE 'rb:%'
      ORDER BY created_at DESC LIMIT 1`,
    [actorId, key],
  );
  return rows[0]?.id ?? null;
}

/** Whether an action step waited for its run (false when it has no row). */
export async function stepWaited(db: Queryable, runbookRunId: string, name: string): Promise<boolean> {
  const { rows } = await db.query<{ waited: boolean }>(
    "SELECT waited FROM airlock.runbook_steps WHERE runbook_run_id = $1 AND name = $2",
    [runbookRunId, name],
  );
  return rows[0]?.waited ?? false;
}
