// The SQL of runbook runs, their steps and their logs (migration 0031). Writes from a step are
// idempotent (a step run again after a crash writes the same row again), and no write moves a run
// or a step out of a final status: a cancelled run stays cancelled whatever a late step writes.

import type pg from "pg";
import { announcingRows } from "../events/event-emit.ts";
import type { Queryable } from "../store/queryable.ts";
import { sendTogether } from "../store/send-together.ts";

export type RunbookRunStatus = "running" | "waiting" | "succeeded" | "failed" | "cancelled";
export type StepStatus = RunbookRunStatus;
export type StepKind = "action" | "step" | "input" | "sleep" | "approval";

export interface RunbookRunRow {
  id: string;
  runbook: string;
  version: string;
  status: RunbookRunStatus;
  params: Record<string, unknown>;
  actor_id: string;
  actor_name: string | null;
  request_id: string;
  idempotency_key: string | null;
  params_hash: string | null;
  reason: string | null;
  /** The starter's reviewer picks per gate step (runbook-gate-reviewers.ts); null: none. */
  gate_reviewers?: Record<string, { users: string[]; groups: string[] }> | null;
  workflow_id: string;
  attempt: number;
  progress: { done: number; total: number; label: string | null } | null;
  result: unknown;
  error: { code: string; message: string; step: string | null } | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface StepRow {
  runbook_run_id: string;
  name: string;
  position: number;
  kind: StepKind;
  status: StepStatus;
  run_id: string | null;
  action: string | null;
  title: string | null;
  form: Record<string, unknown> | null;
  assigned_group: string | null;
  assigned_user: string | null;
  expires_at: Date | null;
  answered_by: string | null;
  answered_by_name: string | null;
  answered_at: Date | null;
  answer: unknown;
  wake_at: Date | null;
  /** Approval gates: their approval request. */
  approval_request_id: string | null;
  output: unknown;
  error: { code: string; message: string } | null;
  started_at: Date;
  finished_at: Date | null;
}

export const FINAL = "('succeeded', 'failed', 'cancelled')";

// Each step status change and each run's end is announced on the outbox in the statement that
// makes it (`runbook.step`, `runbook.finished`): the live-updates stream tells the run's page and
// the inbox at once. Ids and statuses only, like every event.
export const STEP_EVENT = `(SELECT jsonb_build_object('runbookRunId', r.id, 'runbook', r.runbook, 'actorId', r.actor_id,
    'step', s.name, 'kind', s.kind, 'status', s.status, 'assignedGroup', s.assigned_group,
    'assignedUser', s.assigned_user)
  FROM airlock.runbook_runs r WHERE r.id = s.runbook_run_id) AS event`;
const RUN_FIELDS = "'runbookRunId', r.id, 'runbook', r.runbook, 'actorId', r.actor_id";
const RUN_EVENT = `jsonb_build_object(${RUN_FIELDS}) AS event`;

export async function insertRunbookRun(
  db: Queryable,
  run: {
    id: string;
    runbook: string;
    version: string;
    params: Record<string, unknown>;
    actorId: string;
    requestId: string;
    idempotencyKey?: string | null;
    paramsHash?: string | null;
    reason?: string | null;
    gateReviewers?: Record<string, { users: string[]; groups: string[] }> | null;
  },
): Promise<RunbookRunRow> {
  // A taken key fails the insert (the unique index settles two starts racing with one key), and
  // with it the start's transaction: `isTakenStartKey` tells the caller to answer as a replay.
  // The run comes back as `getRunbookRun` reads it.
  const { rows } = await db.query<RunbookRunRow>(
    `WITH inserted AS (
       INSERT INTO airlock.runbook_runs
         (id, runbook, version, status, params, actor_id, request_id, workflow_id, idempotency_key, params_hash,
          reason, gate_reviewers)
       VALUES ($1, $2, $3, 'running', $4, $5, $6, $1, $7, $8, $9, $10::jsonb)
       RETURNING *)
     SELECT inserted.*, u.name AS actor_name FROM inserted LEFT JOIN airlock.users u ON u.id = inserted.actor_id`,
    [
      run.id,
      run.runbook,
      run.version,
      JSON.stringify(run.params),
      run.actorId,
      run.requestId,
      run.idempotencyKey ?? null,
      run.paramsHash ?? null,
      run.reason ?? null,
      run.gateReviewers ? JSON.stringify(run.gateReviewers) : null,
    ],
  );
  return rows[0]!;
}

/** The error `insertRunbookRun` fails with when another start took its idempotency key first. */
export function isTakenStartKey(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === "23505" && e.constraint === "runbook_runs_idempotency_idx";
}

/** The starter's runbook run started with this idempotency key, if any. */
export async function runbookRunByKey(
  db: Queryable,
  actorId: string,
  key: string,
): Promise<RunbookRunRow | null> {
  // Index: runbook_runs_idempotency_idx.
  const { rows } = await db.query(
    `SELECT r.*, u.name AS actor_name FROM airlock.runbook_runs r
       LEFT JOIN airlock.users u ON u.id = r.actor_id WHERE r.actor_id = $1 AND r.idempotency_key = $2`,
    [actorId, key],
  );
  return (rows[0] as RunbookRunRow | undefined) ?? null;
}

export async function getRunbookRun(db: Queryable, id: string): Promise<RunbookRunRow | null> {
  const { rows } = await db.query(
    `SELECT r.*, u.name AS actor_name FROM airlock.runbook_runs r
       LEFT JOIN airlock.users u ON u.id = r.actor_id WHERE r.id = $1`,
    [id],
  );
  return (rows[0] as RunbookRunRow | undefined) ?? null;
}

export async function listRunbookRuns(
  db: Queryable,
  filter: { runbooks: string[]; limit: number; before: string | null },
): Promise<RunbookRunRow[]> {
  // Index: runbook_runs_created_idx (newest first, keyset on id).
  const { rows } = await db.query(
    `SELECT r.*, u.name AS actor_name FROM airlock.runbook_runs r
       LEFT JOIN airlock.users u ON u.id = r.actor_id
      WHERE r.runbook = ANY($1) AND ($2::text IS NULL OR r.id < $2)
      ORDER BY r.id DESC LIMIT $3`,
    [filter.runbooks, filter.before, filter.limit],
  );
  return rows as RunbookRunRow[];
}

export async function getSteps(db: Queryable, runbookRunId: string): Promise<StepRow[]> {
  const { rows } = await db.query(
    `SELECT s.*, u.name AS answered_by_name FROM airlock.runbook_steps s
       LEFT JOIN airlock.users u ON u.id = s.answered_by
      WHERE s.runbook_run_id = $1 ORDER BY s.position, s.started_at`,
    [runbookRunId],
  );
  return rows as StepRow[];
}

export async function getStep(db: Queryable, runbookRunId: string, name: string): Promise<StepRow | null> {
  const { rows } = await db.query(
    `SELECT s.*, u.name AS answered_by_name FROM airlock.runbook_steps s
       LEFT JOIN airlock.users u ON u.id = s.answered_by
      WHERE s.runbook_run_id = $1 AND s.name = $2`,
    [runbookRunId, name],
  );
  return (rows[0] as StepRow | undefined) ?? null;
}

/** Begin (or begin again, after a crash or a retry) a step; a finished step is left as it is. */
export async function beginStep(
  db: Queryable,
  step: {
    runbookRunId: string;
    name: string;
    position: number;
    kind: StepKind;
    status: "running" | "waiting";
    action?: string | null;
    title?: string | null;
    form?: Record<string, unknown> | null;
    assignedGroup?: string | null;
    assignedUser?: string | null;
    expiresAt?: Date | null;
    wakeAt?: Date | null;
  },
): Promise<boolean> {
  // `xmax = 0`: the row was inserted, not updated — the step's first start, not a re-run.
  // Both statements go out before the first await: on one connection they share a round trip.
  const inserted = db.query<{ first: boolean }>(
    announcingRows(
      "runbook.step",
      `INSERT INTO airlock.runbook_steps AS s
         (runbook_run_id, name, position, kind, status, action, title, form, assigned_group,
          assigned_user, expires_at, wake_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (runbook_run_id, name) DO UPDATE
         SET status = EXCLUDED.status, started_at = now(), error = NULL, finished_at = NULL,
             run_id = NULL, expires_at = EXCLUDED.expires_at, wake_at = EXCLUDED.wake_at
         WHERE s.status NOT IN ('succeeded', 'cancelled')
       RETURNING (xmax = 0) AS first, ${STEP_EVENT}`,
    ),
    [
      step.runbookRunId,
      step.name,
      step.position,
      step.kind,
      step.status,
      step.action ?? null,
      step.title ?? null,
      step.form ? JSON.stringify(step.form) : null,
      step.assignedGroup ?? null,
      step.assignedUser ?? null,
      step.expiresAt ?? null,
      step.wakeAt ?? null,
    ],
  );
  const touched = touchRun(db, step.runbookRunId, step.status === "waiting" ? "waiting" : "running");
  const [result] = await Promise.all([inserted, touched]);
  return result.rows[0]?.first ?? false;
}

/**
 * `issue`'s statements in one transaction and one round trip: BEGIN, the statements and COMMIT
 * go out in one write on one pipelined connection (`issue` must send them before its first
 * await). A failed statement aborts the transaction, and the COMMIT then rolls it back.
 */
export async function inOneWrite<T>(pool: pg.Pool, issue: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    const [, result] = await Promise.all(
      sendTogether(client, () => [client.query("BEGIN"), issue(client), client.query("COMMIT")] as const),
    );
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

export async function endStep(
  db: Queryable,
  runbookRunId: string,
  name: string,
  end: { status: "succeeded" | "failed"; output?: unknown; error?: { code: string; message: string } },
): Promise<void> {
  await db.query(
    announcingRows(
      "runbook.step",
      `UPDATE airlock.runbook_steps s SET status = $3, output = $4, error = $5, finished_at = now()
        WHERE runbook_run_id = $1 AND name = $2 AND status NOT IN ${FINAL} RETURNING ${STEP_EVENT}`,
    ),
    [
      runbookRunId,
      name,
      end.status,
      end.output === undefined ? null : JSON.stringify(end.output),
      end.error ? JSON.stringify(end.error) : null,
    ],
  );
  if (end.status === "succeeded") await touchRun(db, runbookRunId, "running");
}

/**
 * A person's answer to a waiting human step; false when it was no longer waiting (answered,
 * ended). Both statements go out before the first await (one round trip on one connection): the
 * runbook run is marked running either way, so on false the caller rolls its transaction back.
 */
export async function answerStep(
  db: Queryable,
  runbookRunId: string,
  name: string,
  answer: { by: string; value: unknown },
): Promise<boolean> {
  const answered = db.query({
    name: "airlock.answer_step",
    text: announcingRows(
      "runbook.step",
      `UPDATE airlock.runbook_steps s
          SET status = 'succeeded', answered_by = $3, answered_at = now(), answer = $4, output = $4,
              finished_at = now()
        WHERE runbook_run_id = $1 AND name = $2 AND kind = 'input' AND status = 'waiting'
        RETURNING ${STEP_EVENT}`,
    ),
    values: [runbookRunId, name, answer.by, JSON.stringify(answer.value)],
  });
  const touched = touchRun(db, runbookRunId, "running");
  const [result] = await Promise.all([answered, touched]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * `issue`'s statements in a transaction whose BEGIN goes out with them, in one write on one
 * pipelined connection; kept (COMMIT) when `issue` answers true, rolled back when it answers false
 * or throws. Two round trips where BEGIN, each statement and COMMIT would take one each.
 */
export async function keptIf(
  pool: pg.Pool,
  issue: (client: pg.PoolClient) => Promise<boolean>,
): Promise<boolean> {
  const client = await pool.connect();
  let broken = false;
  let open = false;
  try {
    const [, keep] = await Promise.all(
      sendTogether(client, () => [client.query("BEGIN"), issue(client)] as const),
    );
    open = true;
    await client.query(keep ? "COMMIT" : "ROLLBACK");
    open = false;
    return keep;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    if (open) broken = true;
    client.release(broken);
  }
}

/** An approval gate decided (in the deciding transaction); false when it was no longer waiting. */
export async function endGateStep(
  db: Queryable,
  runbookRunId: string,
  name: string,
  end: { status: "succeeded" | "failed"; output?: unknown; error?: { code: string; message: string } },
): Promise<boolean> {
  const result = await db.query(
    announcingRows(
      "runbook.step",
      `UPDATE airlock.runbook_steps s SET status = $3, output = $4, error = $5, finished_at = now()
        WHERE runbook_run_id = $1 AND name = $2 AND kind = 'approval' AND status = 'waiting'
        RETURNING ${STEP_EVENT}`,
    ),
    [
      runbookRunId,
      name,
      end.status,
      end.output === undefined ? null : JSON.stringify(end.output),
      end.error ? JSON.stringify(end.error) : null,
    ],
  );
  if ((result.rowCount ?? 0) === 0) return false;
  await touchRun(db, runbookRunId, "running");
  return true;
}

export async function touchRun(db: Queryable, id: string, status: "running" | "waiting"): Promise<void> {
  // Named: sent at every step and answer, parsed once per connection.
  await db.query({
    name: "airlock.touch_runbook_run",
    text: `UPDATE airlock.runbook_runs SET status = $2, updated_at = now() WHERE id = $1 AND status NOT IN ${FINAL}`,
    values: [id, status],
  });
}

/** The error a write that needs a live runbook run raises once the run has ended (migration 0181). */
export function isRunbookRunEnded(error: unknown): boolean {
  return (error as { hint?: string } | null)?.hint === "airlock:runbook_run_ended";
}

/**
 * End a live run (its workflow's end) with its audit events, in one transaction and one round
 * trip; false when it had already ended (cancelled meanwhile, or ended by an earlier execution of
 * the same workflow), and then nothing is written. `audit` must issue its statements before its
 * first await.
 */
export async function endLiveRunbookRun(
  pool: pg.Pool,
  id: string,
  end:
    | { status: "succeeded"; result: unknown }
    | { status: "failed"; error: { code: string; message: string; step: string | null } },
  audit: (db: Queryable) => Promise<void>,
): Promise<boolean> {
  try {
    await inOneWrite(pool, (client) =>
      Promise.all([
        client.query(
          announcingRows(
            "runbook.finished",
            `UPDATE airlock.runbook_runs r
                SET status = airlock.live_runbook_status(r.status, $2), result = $3, error = $4,
                    finished_at = now(), updated_at = now()
              WHERE id = $1
              RETURNING jsonb_build_object(${RUN_FIELDS}, 'status', r.status) AS event`,
          ),
          [
            id,
            end.status,
            end.status === "succeeded" && end.result !== undefined ? JSON.stringify(end.result) : null,
            end.status === "failed" ? JSON.stringify(end.error) : null,
          ],
        ),
        audit(client),
      ]),
    );
    return true;
  } catch (error) {
    if (isRunbookRunEnded(error)) return false;
    throw error;
  }
}

/** End a run; false when it had already ended (a cancelled run stays cancelled). */
export async function endRunbookRun(
  db: Queryable,
  id: string,
  end:
    | { status: "succeeded"; result: unknown }
    | { status: "failed"; error: { code: string; message: string; step: string | null } }
    | { status: "cancelled"; by: string; reason: string | null },
): Promise<boolean> {
  const result = await db.query(
    announcingRows(
      "runbook.finished",
      `UPDATE airlock.runbook_runs r
          SET status = $2, result = $3, error = $4, cancelled_by = $5, cancel_reason = $6,
              finished_at = now(), updated_at = now()
        WHERE id = $1 AND status NOT IN ${FINAL}
        RETURNING jsonb_build_object(${RUN_FIELDS}, 'status', r.status) AS event`,
    ),
    [
      id,
      end.status,
      end.status === "succeeded" && end.result !== undefined ? JSON.stringify(end.result) : null,
      end.status === "failed" ? JSON.stringify(end.error) : null,
      end.status === "cancelled" ? end.by : null,
      end.status === "cancelled" ? end.reason : null,
    ],
  );
  if ((result.rowCount ?? 0) === 0) return false;
  if (end.status === "cancelled")
    await db.query(
      `UPDATE airlock.runbook_steps SET status = 'cancelled', finished_at = now()
        WHERE runbook_run_id = $1 AND status IN ('running', 'waiting')`,
      [id],
    );
  return true;
}

/** A failed run starts again from its failed step, carried by a new workflow. */
export async function reopenForRetry(db: Queryable, id: string, workflowId: string): Promise<number | null> {
  const { rows } = await db.query(
    `UPDATE airlock.runbook_runs
        SET status = 'running', error = NULL, finished_at = NULL, attempt = attempt + 1,
            workflow_id = $2, updated_at = now()
      WHERE id = $1 AND status = 'failed' RETURNING attempt`,
    [id, workflowId],
  );
  return (rows[0] as { attempt: number } | undefined)?.attempt ?? null;
}

export async function setProgress(
  db: Queryable,
  id: string,
  progress: { done: number; total: number; label: string | null },
): Promise<void> {
  await db.query(
    announcingRows(
      "runbook.progress",
      `UPDATE airlock.runbook_runs r SET progress = $2, updated_at = now() WHERE id = $1 AND status NOT IN ${FINAL}
        RETURNING ${RUN_EVENT}`,
    ),
    [id, JSON.stringify(progress)],
  );
}

export async function appendLog(db: Queryable, id: string, seq: number, message: string): Promise<void> {
  await db.query(
    announcingRows(
      "runbook.progress",
      `INSERT INTO airlock.runbook_logs AS l (runbook_run_id, seq, message) VALUES ($1, $2, $3)
       ON CONFLICT (runbook_run_id, seq) DO NOTHING
       RETURNING (SELECT jsonb_build_object(${RUN_FIELDS}) FROM airlock.runbook_runs r
                   WHERE r.id = l.runbook_run_id) AS event`,
    ),
    [id, seq, message],
  );
}

export async function getLogs(
  db: Queryable,
  id: string,
): Promise<{ seq: number; message: string; at: Date }[]> {
  const { rows } = await db.query(
    "SELECT seq, message, at FROM airlock.runbook_logs WHERE runbook_run_id = $1 ORDER BY seq",
    [id],
  );
  return rows as { seq: number; message: string; at: Date }[];
}

/** Human steps waiting for this person (directly, or through one of their groups). */
export async function waitingInputsFor(
  db: Queryable,
  person: { id: string; groups: string[] },
): Promise<(StepRow & { runbook: string; actor_id: string })[]> {
  // Index: runbook_steps_waiting_idx (partial: waiting human steps only).
  const { rows } = await db.query(
    `SELECT s.*, NULL AS answered_by_name, r.runbook, r.actor_id FROM airlock.runbook_steps s
       JOIN airlock.runbook_runs r ON r.id = s.runbook_run_id
      WHERE s.kind = 'input' AND s.status = 'waiting'
        AND (s.assigned_user = $1 OR s.assigned_group = ANY($2))
      ORDER BY s.started_at`,
    [person.id, person.groups],
  );
  return rows as (StepRow & { runbook: string; actor_id: string })[];
}

/**
 * The runbook step waiting for this run, if any (for waking the runbook when the run ends). A step
 * whose run ended inline recorded its end with the run: nothing waits, no message is sent.
 */
export async function stepOfRun(
  db: Queryable,
  runId: string,
): Promise<{ workflow_id: string; name: string } | null> {
  // Index: runbook_steps_run_idx.
  const { rows } = await db.query(
    `SELECT r.workflow_id, s.name FROM airlock.runbook_steps s
       JOIN airlock.runbook_runs r ON r.id = s.runbook_run_id
      WHERE s.run_id = $1 AND s.status = 'waiting' AND r.status NOT IN ${FINAL}`,
    [runId],
  );
  return (rows[0] as { workflow_id: string; name: string } | undefined) ?? null;
}

/** Unfinished runs older than `seconds`, for the sweep that starts a run whose workflow never began. */
export async function unfinishedRuns(
  db: Queryable,
  seconds: number,
): Promise<{ id: string; workflow_id: string }[]> {
  const { rows } = await db.query(
    `SELECT id, workflow_id FROM airlock.runbook_runs
      WHERE status IN ('running', 'waiting') AND updated_at < now() - make_interval(secs => $1)
      ORDER BY id LIMIT 100`,
    [seconds],
  );
  return rows as { id: string; workflow_id: string }[];
}

/** Approval gates waiting for a decision, oldest first (who may decide is the caller's filter). */
export async function pendingGates(
  db: Queryable,
): Promise<(StepRow & { runbook: string; actor_id: string; approval_request_id: string })[]> {
  // Index: approval_requests_pending_idx narrows to pending requests; gates are few among them.
  const { rows } = await db.query(
    `SELECT s.*, NULL AS answered_by_name, r.runbook, r.actor_id FROM airlock.approval_requests ar
       JOIN airlock.runbook_steps s ON s.approval_request_id = ar.id
       JOIN airlock.runbook_runs r ON r.id = s.runbook_run_id
      WHERE ar.subject_kind = 'runbook_gate' AND ar.status = 'pending' AND ar.expires_at > now()
        AND s.status = 'waiting'
      ORDER BY ar.created_at LIMIT 200`,
  );
  return rows as (StepRow & { runbook: string; actor_id: string; approval_request_id: string })[];
}
