// A runbook run as a durable workflow: the workflow body loads the run, builds the `rb` context
// and calls the runbook's function. Every `rb` method is one or more durable steps of the engine
// (DBOS), named after the runbook's step, so a run resumed after a crash replays the steps it had
// done from their recorded outputs and carries on from the step it was in.
//
// Exactly once: an action step is its own checkpoint. It submits its run through the control layer
// with an idempotency key derived from (runbook run, attempt, step), and the step's row (its run,
// its status, whether it waited) and its runbook run's status commit in the control layer's
// transaction (`recordWith`), with the run's effects, row and audit events: one commit, and no
// engine step around it. A resumed workflow reads the steps recorded so far as it begins and takes
// a done step from its row; a step begun but not recorded is submitted again, and its key makes
// the control layer answer with the first run instead of running it twice. Outbound calls made by
// the action get the same key. The engine's own steps checkpoint everything else: human steps,
// gates, sleeps, `rb.step`, and an action step's waiting for a run held for approval or queued.
//
// What an inline action step sends (bench/runbook-statements.ts counts it): the run's transaction
// (two round trips, one commit: the step's rows ride its COMMIT) and, beside it on another
// connection, the step's "running" row (one write, one commit) that the run does not wait for.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { findKey } from "../control/idempotency-store.ts";
import type { RecordedRun } from "../control/pipeline-context.ts";
import { type DurableEngine, type WorkflowBody, whileUnreachable } from "../engine/durable-engine.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import type { Log } from "../observe/logger.ts";
import { scrubText } from "../pii/mask.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import type { GateApproval, RunbookContext } from "../sdk/define-runbook.ts";
import { durationMs } from "../sdk/duration.ts";
import type { WakeListener } from "../store/wake-listener.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { stepNamer } from "../workspace/runbook-rehearsal.ts";
import { runbookEvent } from "./runbook-audit.ts";
import { isApprovedGateOf, waitForGate } from "./runbook-gate.ts";
import { type HumanStepDeps, waitForAnswer } from "./runbook-input.ts";
import {
  appendLog,
  beginStep,
  endLiveRunbookRun,
  endStep,
  getRunbookRun,
  inOneWrite,
  isRunbookRunEnded,
  type RunbookRunRow,
  setProgress,
} from "./runbook-store.ts";
import { StepFailure } from "./step-failure.ts";
import {
  type RecordedActionStep,
  recordActionStep,
  recordComputedStep,
  recordedActionSteps,
  runOfStepKey,
  type StepRunEnd,
  showStepRunning,
  stepWaited,
} from "./step-records.ts";

export const RUNBOOK_WORKFLOW = "airlock.runbook";
const STEP_NAME = /^[a-z][a-z0-9_.-]{0,99}$/;
const FINAL_RUN = new Set(["succeeded", "failed", "cancelled", "rejected", "expired"]);
/** Longest wait between two looks at a waiting step's run (a message usually wakes it first). */
const RECHECK_SECONDS = 30;

export interface RunnerDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  control: Control;
  log: Log;
  /** Set once the engine is up (the engine needs this body before it launches). */
  engine: DurableEngine | null;
  /** Checks the starter's reviewer picks when a gate opens (runbook-gate-reviewers.ts). */
  authorizer: Authorizer;
  /** Wakes a human step's look when its answer commits (runbook-input.ts). */
  wakes: WakeListener | null;
  /** Runs this process has just started, by id: what their workflow would read first (taken once). */
  handedOver: Map<string, HandedOver>;
}

/**
 * A run as `runbooks.start` inserted it, handed to its workflow's first execution in the same
 * process: the row it returned, no steps yet, and its starter read as the workflow reads it (begun
 * beside the insert). A resumed or recovered execution finds nothing here and reads them.
 */
export interface HandedOver {
  /** The insert; null when another start took its idempotency key (the run does not exist). */
  row: Promise<RunbookRunRow | null>;
  starter: Promise<Principal | null>;
}

type ActionOutcome =
  | { status: "succeeded"; runId: string; result: unknown }
  | { status: "failed"; runId: string | null; code: string; message: string }
  | { status: "waiting"; runId: string };

export function runbookWorkflow(deps: RunnerDeps): WorkflowBody {
  return async (input) => {
    const engine = deps.engine;
    if (!engine) throw new Error("runbook workflow ran before the durable engine was set");
    const { runbookRunId, actorId } = input as { runbookRunId: string; actorId?: string };
    // Read again on every resume, which may follow a database restart: waited for, not failed.
    // Its action steps as recorded so far: an action step is its own checkpoint (its row commits
    // with its run), so a resumed or retried run finds the steps it took there. The starter is
    // read beside them when the start named it (workflows started by a sweep do not).
    const handed = deps.handedOver.get(runbookRunId);
    deps.handedOver.delete(runbookRunId);
    const [row, recorded, named] = await whileUnreachable(() =>
      handed
        ? Promise.all([
            // An insert that failed may still have committed (its answer lost): read it.
            handed.row.catch(() => getRunbookRun(deps.pool, runbookRunId)),
            new Map<string, RecordedActionStep>(),
            // A read that failed at the start is made again here (and retried with the others).
            handed.starter.catch(() => (actorId ? loadPrincipal(deps.pool, actorId, "session") : null)),
          ])
        : Promise.all([
            getRunbookRun(deps.pool, runbookRunId),
            recordedActionSteps(deps.pool, runbookRunId),
            actorId ? loadPrincipal(deps.pool, actorId, "session") : undefined,
          ]),
    );
    // Started beside its run's insert, which did not commit (another start took its key, or the
    // process died before the insert did): there is nothing to run.
    if (!row) {
      deps.log.info({ runbookRunId }, "a runbook workflow found no run to execute; it ends here");
      return "no_run";
    }
    const principal =
      named !== undefined && actorId === row.actor_id
        ? named
        : await whileUnreachable(() => loadPrincipal(deps.pool, row.actor_id, "session"));
    // A workflow begun by an Airlock before action steps were their own checkpoint recorded each
    // one as an engine step named after it: it goes on that way, or its replay would not match.
    const legacy =
      recorded.size > 0 &&
      (await whileUnreachable(() => recordsActionSteps(engine, row.workflow_id, recorded)));
    const runbook = deps.workspace.runbooks.get(row.runbook);
    try {
      if (!runbook)
        throw new StepFailure("runbook.not_found", `The runbook ${row.runbook} no longer exists.`, null);
      if (!principal)
        throw new StepFailure("permission.denied", "The runbook's starter is no longer active.", null);
      const rb = createContext(deps, engine, row, principal, runbook.uses, recorded, legacy);
      const result = await runbook.handler(rb, row.params);
      // A run ends once (its end is written only while it is live), so its end needs no
      // checkpoint of the engine.
      await whileUnreachable(() =>
        endLiveRunbookRun(deps.pool, row.id, { status: "succeeded", result: result ?? null }, (db) =>
          appendAudit(db, [runbookEvent("runbook.succeeded", "success", runRef(row), actorRef(principal))]),
        ),
      );
      return "succeeded";
    } catch (error) {
      if (engine.isCancellation(error)) throw error;
      const failure =
        error instanceof StepFailure
          ? error
          : new StepFailure(
              "runbook.step_failed",
              scrubText((error as Error).message ?? String(error)),
              null,
            );
      if (!(error instanceof StepFailure)) deps.log.warn({ err: error, runbookRunId }, "runbook failed");
      await whileUnreachable(() =>
        endLiveRunbookRun(
          deps.pool,
          row.id,
          { status: "failed", error: { code: failure.code, message: failure.message, step: failure.step } },
          (db) =>
            appendAudit(db, [
              runbookEvent("runbook.failed", "failure", runRef(row), principal ? actorRef(principal) : null, {
                errorCode: failure.code,
                data: { step: failure.step, message: failure.message },
              }),
            ]),
        ),
      );
      return "failed";
    }
  };
}

/** Whether a workflow recorded any of these action steps as an engine step of its own. */
export async function recordsActionSteps(
  engine: DurableEngine,
  workflowId: string,
  steps: ReadonlyMap<string, RecordedActionStep>,
): Promise<boolean> {
  const names = await engine.recordedNames(workflowId);
  return [...steps.keys()].some((name) => names.has(name));
}

export function runRef(row: RunbookRunRow) {
  return { id: row.id, runbook: row.runbook, version: row.version, requestId: row.request_id };
}

function actorRef(principal: Principal) {
  return { id: principal.id, kind: principal.kind };
}

function createContext(
  deps: RunnerDeps,
  engine: DurableEngine,
  row: RunbookRunRow,
  principal: Principal,
  uses: readonly string[],
  recorded: ReadonlyMap<string, RecordedActionStep>,
  /** Action steps are engine steps (a workflow begun before they were their own checkpoint). */
  legacy: boolean,
): RunbookContext {
  const used = new Set<string>();
  let position = 0;
  let logSeq = 0;
  // The same default names the start-time rehearsal computes (workspace/runbook-rehearsal.ts).
  const names = stepNamer();
  // Names must be unique and deterministic: the engine matches a resumed run's steps by order and
  // name, and a step's idempotency key is built from its name.
  const claim = (name: string): string => {
    if (!STEP_NAME.test(name))
      throw new StepFailure(
        "runbook.invalid",
        `The step name ${JSON.stringify(name)} is not valid (lowercase letters, digits, _ . -).`,
        null,
      );
    // The start-time rehearsal misses some duplicates (loops over step results, code that throws
    // on a stand-in, past 1,000 steps, names built from step results): the same code, here.
    if (used.has(name))
      throw new StepFailure(
        "runbook.duplicate_step",
        `The runbook "${row.runbook}" has two steps named "${name}"; give each a unique name ({ step: "..." }).`,
        name,
      );
    used.add(name);
    return name;
  };
  const human: HumanStepDeps = { pool: deps.pool, engine, row, wakes: deps.wakes };

  async function sleepUntil(name: string, wakeAt: () => number): Promise<void> {
    const pos = position++;
    const until = await engine.step(name, async () => {
      const at = wakeAt();
      await beginStep(deps.pool, {
        runbookRunId: row.id,
        name,
        position: pos,
        kind: "sleep",
        status: "waiting",
        wakeAt: new Date(at),
      });
      return at;
    });
    // DBOS's sleep records its wake-up time: after a restart it sleeps only what is left.
    await engine.sleep(Math.max(0, until - Date.now()));
    await engine.step(`${name}.end`, () => endStep(deps.pool, row.id, name, { status: "succeeded" }));
  }

  return {
    runbookRunId: row.id,
    actor: { id: principal.id, kind: principal.kind, name: principal.name, email: principal.email },

    async run<R>(
      action: string,
      params: Record<string, unknown>,
      options?: { step?: string; approval?: GateApproval },
    ): Promise<R> {
      const name = claim(names.run(action, options));
      const pos = position++;
      if (!uses.includes(action))
        throw new StepFailure(
          "runbook.invalid",
          `The step "${name}" runs the action "${action}", which the runbook does not list in uses.`,
          name,
        );
      const covered = options?.approval?.approvalRequestId ?? null;
      const step: ActionStep = { runbookRunId: row.id, name, position: pos, action };
      const prior = recorded.get(name);
      const take = () =>
        whileUnreachable(() => takeActionStep(deps, row, principal, step, params, covered, prior));
      let outcome = legacy ? await engine.step(name, take) : await take();
      for (let check = 1; outcome.status === "waiting"; check++) {
        const runId = outcome.runId;
        // Woken by the run's end (runbook-wake.ts) or, at the latest, after RECHECK_SECONDS.
        await engine.recv(`run:${runId}`, RECHECK_SECONDS);
        outcome = await engine.step(`${name}.check${check}`, async () => {
          const run = await getRun(deps.pool, runId);
          return run ? await settle(deps, step, run) : outcome;
        });
      }
      if (outcome.status === "failed") throw new StepFailure(outcome.code, outcome.message, name);
      return outcome.result as R;
    },

    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const claimed = claim(name);
      const pos = position++;
      const step = { runbookRunId: row.id, name: claimed, position: pos };
      // The row is written once with the outcome (shown as running meanwhile only if it takes a
      // while); the engine's checkpoint follows, and a crash between the two runs `fn` again.
      const result = await engine.step(claimed, async () => {
        const started = performance.now();
        const marker = runningMarker(deps, { ...step, kind: "step" });
        let outcome: { ok: true; value: T } | { ok: false; message: string };
        try {
          outcome = { ok: true, value: await fn() };
        } catch (error) {
          outcome = { ok: false, message: scrubText((error as Error).message ?? String(error)) };
        } finally {
          await marker.settle();
        }
        const end = outcome.ok
          ? { status: "succeeded" as const, output: outcome.value ?? null }
          : {
              status: "failed" as const,
              error: { code: "runbook.step_failed", message: outcome.message },
            };
        await inOneWrite(deps.pool, (client) =>
          recordComputedStep(client, step, end, performance.now() - started),
        );
        return outcome;
      });
      if (!result.ok) throw new StepFailure("runbook.step_failed", result.message, claimed);
      return result.value;
    },

    async input(form, options) {
      const name = claim(names.input(options));
      const answer = await waitForAnswer(human, {
        name,
        position: position++,
        form,
        title: options.title,
        assignee: options.assignee,
        expiresInMs: durationMs(options.expiresIn ?? "24h"),
      });
      return answer as never;
    },

    async approve(options) {
      const name = claim(names.approve(options));
      return await waitForGate(
        {
          pool: deps.pool,
          engine,
          row,
          principal,
          authorizer: deps.authorizer,
          runbook: { name: row.runbook, tags: deps.workspace.runbooks.get(row.runbook)?.tags ?? [] },
        },
        {
          name,
          position: position++,
          options,
          expiresInMs: durationMs(options.expiresIn ?? "24h"),
        },
      );
    },

    async sleep(duration, options) {
      const name = claim(names.sleep(options));
      const ms = durationMs(duration);
      await sleepUntil(name, () => Date.now() + ms);
    },

    async waitUntil(at, options) {
      const name = claim(names.sleep(options));
      await sleepUntil(name, () => at.getTime());
    },

    async log(message) {
      // The line's number is its place in the run's code path: written again after a crash, it
      // is the same line.
      const seq = ++logSeq;
      const line = scrubText(String(message)).slice(0, 2_000);
      await whileUnreachable(() => appendLog(deps.pool, row.id, seq, line));
    },

    async progress(done, total, label) {
      const value = {
        done,
        total,
        label: label ? scrubText(label).slice(0, 200) : null,
      };
      await whileUnreachable(() => setProgress(deps.pool, row.id, value));
    },
  };
}

type ActionStep = Parameters<typeof recordActionStep>[1];

/**
 * An action step: its run, submitted through the control layer once per key. The step is its own
 * checkpoint (no engine step around it): its row commits in its run's transaction, and a resumed
 * workflow takes the step from that row (`prior`), or from its key's run, instead of running the
 * action again. It waits for its run through the engine (the caller's loop) exactly when the step
 * recorded that it waited, so a resume goes through the same engine operations as the first time.
 */
async function takeActionStep(
  deps: RunnerDeps,
  row: RunbookRunRow,
  principal: Principal,
  step: ActionStep,
  params: Record<string, unknown>,
  /** An approved gate of this runbook run that the step runs under (`rb.run`'s `approval`). */
  covered: string | null,
  /** The step as this run recorded it before this execution of its workflow began. */
  prior: RecordedActionStep | undefined,
): Promise<ActionOutcome> {
  // Done before: a resume, or a retry replaying the steps before the failed one (whose run may
  // carry an earlier attempt's key). The run holds the step's result.
  if (prior?.status === "succeeded" && prior.runId) {
    const run = await getRun(deps.pool, prior.runId);
    if (run) return prior.waited ? { status: "waiting", runId: run.id } : outcomeOf(run);
  }
  const idempotencyKey = `rb:${row.id}:${row.attempt}:${step.name}`;
  // Only an approved gate of this very runbook run may stand for the action's approval (an
  // earlier attempt's counts: a retry replays the gate's recorded approval).
  if (covered !== null && !(await isApprovedGateOf(deps.pool, covered, row.id))) {
    const failure = {
      code: "runbook.invalid",
      message: `The step "${step.name}" names an approval (${covered}) that is not an approved gate of this runbook run.`,
    };
    await inOneWrite(deps.pool, (client) =>
      recordActionStep(client, step, null, { status: "failed", error: failure }),
    );
    return { status: "failed", runId: null, ...failure };
  }
  if (prior) {
    // Begun before (a crash inside it, or the failed step of a retry). Its run, if it made one, is
    // found by the key in the runs table, where it never expires: the key's claim is kept only
    // 24 h, and a runbook resumed after a longer outage must not run the action twice.
    const earlier = await runOfStepKey(deps.pool, principal.id, idempotencyKey);
    const run = earlier ? await getRun(deps.pool, earlier) : null;
    if (run) return resumedOutcome(await settleRecording(deps, step, run));
  }
  // A step whose run takes a while shows as running until the run commits; a quick one goes
  // straight to its end, and costs no write of its own (the run's transaction writes the row).
  const marker = prior ? null : runningMarker(deps, { ...step, kind: "action" });
  // The step's row commits with its run (the control layer calls this in the run's transaction).
  let recorded: { run: RecordedRun; waited: boolean | null } | null = null;
  const submitted = await deps.control
    .submit(
      {
        channel: "runbook",
        principal,
        actionName: step.action,
        params,
        idempotencyKey,
        reason: `Runbook ${row.runbook} (${row.id}), step ${step.name}`,
        trace: null,
        client: { clientIp: null, userAgent: "airlock-runbook" },
        parentRequestId: row.request_id,
        ...(covered ? { coveredBy: { approvalRequestId: covered } } : {}),
        // Only another execution of this runbook run (a recovery racing a live process) can hold
        // the step's key: its claim is confirmed with the step's record, one round trip fewer.
        claimWithRecord: true,
        // The run commits only while the runbook run is live: cancelled while the action ran,
        // the run and its effects roll back.
        recordWith: (db, run) =>
          recordActionStep(db, step, run.id, stepEnd(run), { runbookLive: true }).then(({ waited }) => {
            recorded = { run, waited };
          }),
      },
      { waitMs: 0 },
    )
    .catch((error: unknown) => {
      if (!isRunbookRunEnded(error)) throw error;
      throw new StepFailure(
        "runbook.invalid_transition",
        `The runbook run ended while its step "${step.name}" ran; the step's run was rolled back.`,
        step.name,
      );
    })
    .finally(() => marker?.settle());
  let run: RunRow | null = null;
  if (submitted.kind === "run") run = submitted.run;
  else if (submitted.error.code === "idempotency.in_progress") {
    // The step ran before (a crash after the run was created): carry on with that run.
    const key = await findKey(deps.pool, principal.id, idempotencyKey);
    run = key ? await getRun(deps.pool, key.run_id) : null;
  }
  if (!run) {
    const error = submitted.kind === "refused" ? submitted.error : null;
    const failure = {
      code: error?.code ?? "runbook.step_failed",
      message: error
        ? `${error.message}${issuesText(error.details)}`
        : "The action's run could not be found.",
    };
    await inOneWrite(deps.pool, (client) =>
      recordActionStep(client, step, null, { status: "failed", error: failure }),
    );
    return { status: "failed", runId: null, ...failure };
  }
  // Recorded with the run: the step waits for its run exactly when that write said it waited.
  const written = recorded as { run: RecordedRun; waited: boolean | null } | null;
  if (
    submitted.kind === "run" &&
    !submitted.replayed &&
    written?.run.id === run.id &&
    written.waited !== null
  )
    return written.waited ? { status: "waiting", runId: run.id } : outcomeOf(run);
  return resumedOutcome(await settleRecording(deps, step, run));
}

/** How long a step (an action step's run, an `rb.step` computation) runs before it is shown as running. */
const SHOW_RUNNING_AFTER_MS = 50;

/**
 * The step's "running" row, written only if the step is still under way after
 * SHOW_RUNNING_AFTER_MS. Display only: it never changes a row the step's outcome wrote, and a
 * failure to write it is logged, not the step's failure.
 */
function runningMarker(deps: RunnerDeps, step: Parameters<typeof showStepRunning>[1]) {
  let written: Promise<void> | null = null;
  const timer = setTimeout(() => {
    written = showStepRunning(deps.pool, step).catch((error: unknown) => {
      deps.log.warn({ err: error, step: step.name }, "a runbook step could not be shown as running");
    });
  }, SHOW_RUNNING_AFTER_MS);
  return {
    /** The step has its outcome: no marker from now on, and one under way is waited for. */
    settle: async () => {
      clearTimeout(timer);
      await written;
    },
  };
}

function runOutcomeOf(run: RunRow): RecordedRun {
  return { id: run.id, status: run.status, errorCode: run.error_code, errorMessage: run.error_message };
}

/** What a step records of its run: waiting while the run is not over, then its end. */
function stepEnd(run: RecordedRun): StepRunEnd {
  if (!FINAL_RUN.has(run.status)) return { status: "waiting" };
  if (run.status === "succeeded") return { status: "succeeded" };
  return {
    status: "failed",
    error: {
      code: run.errorCode ?? `run.${run.status}`,
      message: run.errorMessage ?? `The step's run ended ${run.status}.`,
    },
  };
}

function outcomeOf(run: RunRow): ActionOutcome {
  const end = stepEnd(runOutcomeOf(run));
  if (end.status === "waiting") return { status: "waiting", runId: run.id };
  // The result stays with its run (masked there by its classification), not copied here.
  if (end.status === "succeeded") return { status: "succeeded", runId: run.id, result: run.result };
  return { status: "failed", runId: run.id, ...end.error! };
}

/**
 * Record where an action step's run stands (done, failed, or still waiting: approval, queue) when
 * its run's transaction did not: a step run again, a replay, a run that moved on since. The step's
 * run, its status and its runbook run's status commit together, in one round trip.
 */
async function settle(deps: RunnerDeps, step: ActionStep, run: RunRow): Promise<ActionOutcome> {
  return (await settleRecording(deps, step, run)).outcome;
}

/** `settle`, and whether the step's row says it waited for its run (the path it must take). */
async function settleRecording(
  deps: RunnerDeps,
  step: ActionStep,
  run: RunRow,
): Promise<{ outcome: ActionOutcome; waited: boolean }> {
  let { waited } = await inOneWrite(deps.pool, (client) =>
    recordActionStep(client, step, run.id, stepEnd(runOutcomeOf(run))),
  );
  // Nothing written (the step had already ended): the row's own record stands.
  waited ??= await stepWaited(deps.pool, step.runbookRunId, step.name);
  return { outcome: outcomeOf(run), waited };
}

/** Where a step run again starts: waiting for its run exactly when its row says it waited. */
function resumedOutcome({ outcome, waited }: { outcome: ActionOutcome; waited: boolean }): ActionOutcome {
  return waited && outcome.runId ? { status: "waiting", runId: outcome.runId } : outcome;
}

function issuesText(details: Record<string, unknown> | undefined): string {
  const issues = details?.issues as { path: (string | number)[]; message: string }[] | undefined;
  if (!issues?.length) return "";
  return ` (${issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("; ")})`;
}
