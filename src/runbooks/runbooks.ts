// Runbooks for the entry points (HTTP routes, CLI through HTTP): start, read, list, cancel,
// retry from the failed step, and answer a human step. Every check is here, server side: `run` on
// the runbook to start, cancel or retry it (and `run` on every action it uses, checked at start);
// `view` (or having started it, or being asked something by it) to read it; being the assignee to
// answer. The durable engine is acquired only when the workspace has runbooks.
import type pg from "pg";
import { z } from "zod";
import { approve, reject } from "../approval/approval-decision.ts";
import type { ApprovalDeps } from "../approval/approval-deps.ts";
import { decisionsOf, getApprovalRequest } from "../approval/approval-store.ts";
import type { SubjectKinds } from "../approval/approval-subject.ts";
import { decisionRefusal } from "../approval/decision-rules.ts";
import { type ReviewerChoiceInput, sameChoice } from "../approval/reviewer-choice.ts";
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { isValidKey } from "../control/idempotency-store.ts";
import { acquireDurableEngine, type DurableEngine } from "../engine/durable-engine.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { issuesOf } from "../errors/issues.ts";
import type { EventOutbox } from "../events/event-outbox.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import type { Log } from "../observe/logger.ts";
import { scrubDeep, scrubText } from "../pii/mask.ts";
import { paramsHash } from "../runs/params-hash.ts";
import { inTransaction } from "../store/transaction.ts";
import { listenForWakes, type WakeListener, wakeSql } from "../store/wake-listener.ts";
import type { CompiledRunbook, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { runbookEvent } from "./runbook-audit.ts";
import { forkRunbookRun } from "./runbook-fork.ts";
import { GATE_SUBJECT, gateSubjectKind, gateTopic, withdrawGates } from "./runbook-gate.ts";
import { chooseGateReviewers, type GateReviewerOptions } from "./runbook-gate-reviewers.ts";
import { WAKE_CHANNEL } from "./runbook-input.ts";
import { runbookQuestions } from "./runbook-questions.ts";
import { RUNBOOK_WORKFLOW, type RunnerDeps, runbookWorkflow, runRef } from "./runbook-runner.ts";
import { previewStart, rehearsedStart } from "./runbook-start-checks.ts";
import {
  answerStep,
  endRunbookRun,
  getLogs,
  getRunbookRun,
  getStep,
  getSteps,
  inOneWrite,
  insertRunbookRun,
  isTakenStartKey,
  keptIf,
  listRunbookRuns,
  pendingGates,
  type RunbookRunRow,
  reopenForRetry,
  runbookRunByKey,
  stepOfRun,
  unfinishedRuns,
  waitingInputsFor,
} from "./runbook-store.ts";
import {
  type GateFacts,
  type RunbookRunView,
  runbookRunView,
  type WaitingGateView,
  type WaitingInputView,
  waitingGateView,
  waitingInputView,
} from "./runbook-view.ts";

const WAKE_SQL = wakeSql(WAKE_CHANNEL);
export interface RunbooksDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  databaseUrl: string;
  authorizer: Authorizer;
  control: Control;
  events: EventOutbox;
  /** Approval gates are decided by the approval module, like every approval request. */
  approvals: { deps: ApprovalDeps; subjects: SubjectKinds };
  log: Log;
}

/** A decision on a runbook's approval gate, from any channel. */
export interface GateDecisionInput {
  principal: Principal;
  runbookRunId: string;
  step: string;
  reason: string | null;
  channel: string;
  requestId: string;
  client: ClientInfo;
}

export interface Runbooks {
  /** Runbooks the principal may see, with whether they may start each. */
  catalog(principal: Principal): Promise<{ runbook: CompiledRunbook; canRun: boolean }[]>;
  /**
   * Start a runbook. With an idempotency key, a start repeated by the same person with the same
   * runbook and parameters returns the first run (its `requestId` is the first request's); with
   * other parameters it is refused (`idempotency.mismatch`).
   */
  start(
    principal: Principal,
    name: string,
    params: unknown,
    requestId: string,
    options?: {
      idempotencyKey?: string | null;
      reason?: string | null;
      /** The starter's reviewer picks per gate step name (runbook-gate-reviewers.ts). */
      gateReviewers?: Record<string, ReviewerChoiceInput> | null;
    },
  ): Promise<RunbookRunView>;
  /**
   * What a start with these parameters would ask (the same checks and rehearsal as start): the
   * approval gates that let the starter pick reviewers, with whom they may pick.
   */
  preview(
    principal: Principal,
    name: string,
    params: unknown,
  ): Promise<{ gates: GateReviewerOptions[]; complete: boolean }>;
  get(principal: Principal, id: string): Promise<RunbookRunView>;
  list(
    principal: Principal,
    filter: { runbook?: string; limit: number; before?: string },
  ): Promise<RunbookRunView[]>;
  cancel(principal: Principal, id: string, reason: string | null): Promise<RunbookRunView>;
  retry(principal: Principal, id: string): Promise<RunbookRunView>;
  answer(
    principal: Principal,
    id: string,
    step: string,
    answer: unknown,
  ): Promise<{ run: RunbookRunView; replayed: boolean }>;
  /** Approve or reject a runbook's approval gate (never the starter: no self-approval). */
  decideGate(verb: "approve" | "reject", input: GateDecisionInput): Promise<RunbookRunView>;
  /** Human steps waiting for this person. */
  inbox(principal: Principal): Promise<WaitingInputView[]>;
  /** Approval gates this person may decide now. */
  gates(principal: Principal): Promise<WaitingGateView[]>;
  /**
   * Start the workflow of any unfinished run that has none: a process that died between committing
   * a start and handing it to the engine leaves such a run. Runs every minute; returns the ids.
   */
  sweep(olderThanSeconds?: number): Promise<string[]>;
  /** The durable engine (null without runbooks), for tests and supervision. */
  engine(): DurableEngine | null;
  close(): Promise<void>;
}

export async function createRunbooks(deps: RunbooksDeps): Promise<Runbooks> {
  const { workspace, pool, authorizer } = deps;
  const runner: RunnerDeps = {
    workspace,
    pool,
    control: deps.control,
    log: deps.log,
    engine: null,
    wakes: null,
    authorizer,
    handedOver: new Map(),
  };
  let engine: DurableEngine | null = null;
  let wakes: WakeListener | null = null;
  let unsubscribe: (() => void) | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  if (workspace.runbooks.size > 0) {
    wakes = listenForWakes({ url: deps.databaseUrl, channel: WAKE_CHANNEL, log: deps.log });
    runner.wakes = wakes;
    engine = await acquireDurableEngine({
      url: deps.databaseUrl,
      log: deps.log,
      workflows: { [RUNBOOK_WORKFLOW]: runbookWorkflow(runner) },
    });
    runner.engine = engine;
    const running = engine;
    deps.approvals.subjects.register(gateSubjectKind({ pool, workspace, authorizer }));
    // A gate decided (approved, rejected, withdrawn, expired) wakes its runbook at once.
    const unsubscribeGates = deps.events.consume(
      { name: "runbooks.gate-decided", types: ["approval.decided"] },
      async (event) => {
        const payload = event.payload as { subjectKind: string; subjectId: string };
        if (payload.subjectKind !== GATE_SUBJECT) return;
        const [runbookRunId, step] = payload.subjectId.split(":");
        const row = runbookRunId ? await getRunbookRun(pool, runbookRunId) : null;
        if (row && step)
          await running.send(row.workflow_id, gateTopic(step), { decided: true }, `woken:${event.id}`);
      },
    );
    // An action step waiting for its run (approval, queue) is woken when the run ends.
    const unsubscribeRuns = deps.events.consume(
      { name: "runbooks.run-finished", types: ["run.finished"] },
      async (event) => {
        const payload = event.payload as { runId: string };
        const step = await stepOfRun(pool, payload.runId);
        if (step)
          await running.send(step.workflow_id, `run:${payload.runId}`, { ended: true }, `woken:${event.id}`);
      },
    );
    unsubscribe = () => {
      unsubscribeRuns();
      unsubscribeGates();
    };
  }

  async function sweep(olderThanSeconds = 60): Promise<string[]> {
    if (!engine) return [];
    const started: string[] = [];
    for (const run of await unfinishedRuns(pool, olderThanSeconds)) {
      if (run.workflow_id !== run.id || (await engine.state(run.id))) continue;
      await engine.start(RUNBOOK_WORKFLOW, run.id, { runbookRunId: run.id });
      deps.log.warn({ runbookRunId: run.id }, "started a runbook run whose workflow had never begun");
      started.push(run.id);
    }
    return started;
  }
  if (engine) {
    sweeper = setInterval(() => {
      sweep().catch((error) => deps.log.warn({ err: error }, "runbook sweep failed"));
    }, 60_000);
    sweeper.unref();
  }

  function requireEngine(): DurableEngine {
    if (!engine) throw new AirlockError("runbook.not_found");
    return engine;
  }

  async function visibleRun(principal: Principal, id: string): Promise<RunbookRunRow> {
    const row = await getRunbookRun(pool, id);
    if (!row) throw new AirlockError("runbook.run_not_found");
    if (row.actor_id === principal.id) return row;
    const runbook = workspace.runbooks.get(row.runbook);
    if (runbook && (await authorizer.can(principal, "view", runbook)).allowed) return row;
    const steps = await getSteps(pool, id);
    if (steps.some((s) => isAssignee(principal, s))) return row;
    throw new AirlockError("runbook.run_not_found");
  }

  async function requireRun(principal: Principal, row: RunbookRunRow): Promise<void> {
    const runbook = workspace.runbooks.get(row.runbook);
    if (!runbook || !(await authorizer.can(principal, "run", runbook)).allowed)
      throw new AirlockError("permission.denied", "You need the run permission on this runbook.");
  }

  async function view(principal: Principal, row: RunbookRunRow): Promise<RunbookRunView> {
    const [steps, logs] = await Promise.all([getSteps(pool, row.id), getLogs(pool, row.id)]);
    const gates = new Map<string, GateFacts>();
    for (const step of steps)
      if (step.approval_request_id)
        gates.set(step.name, await gateFacts(principal, step.approval_request_id));
    return runbookRunView(
      workspace,
      row,
      steps,
      logs,
      principal,
      gates,
      await runbookQuestions(pool, row, steps),
    );
  }

  /** A gate as the viewer sees it: its request, decisions, and whether they may decide it now. */
  async function gateFacts(principal: Principal, requestId: string): Promise<GateFacts> {
    const request = (await getApprovalRequest(pool, requestId))!;
    const [decisions, now] = await Promise.all([
      decisionsOf(pool, requestId),
      pool.query<{ now: Date }>("SELECT now() AS now"),
    ]);
    const runbook = workspace.runbooks.get(request.action);
    const holdsApprove = runbook ? (await authorizer.can(principal, "approve", runbook)).allowed : false;
    const whyNot = decisionRefusal({
      principal,
      request,
      onBehalfOf: null,
      action: null,
      decisions,
      now: now.rows[0]!.now,
      holdsApprove,
    });
    return { request, decisions, whyNot };
  }

  return {
    engine: () => engine,
    sweep,

    async catalog(principal) {
      const out: { runbook: CompiledRunbook; canRun: boolean }[] = [];
      for (const runbook of workspace.runbooks.values()) {
        if (!(await authorizer.can(principal, "view", runbook)).allowed) continue;
        out.push({ runbook, canRun: (await authorizer.can(principal, "run", runbook)).allowed });
      }
      return out;
    },

    async preview(principal, name, params) {
      return await previewStart({ workspace, pool, authorizer }, principal, name, params);
    },

    async start(principal, name, params, requestId, options = {}) {
      const key = options.idempotencyKey ?? null;
      if (key !== null && !isValidKey(key)) throw new AirlockError("idempotency.key_invalid");
      const {
        runbook,
        params: values,
        rehearsal,
      } = await rehearsedStart({ workspace, pool, authorizer }, principal, name, params);
      const gateReviewers = await chooseGateReviewers(
        { pool, authorizer },
        runbook,
        principal,
        { gates: rehearsal.gates, complete: rehearsal.finished },
        options.gateReviewers,
      );
      const running = requireEngine();
      const id = newId("rbr");
      const hash = paramsHash(`runbook:${runbook.name}`, values);
      const reason = options.reason ? scrubText(options.reason).slice(0, 1_000) : null;
      // Stripe's rules, as for actions: the same key and request → the first run; anything else
      // with that key → a mismatch, nothing started.
      const replay = async (): Promise<RunbookRunView> => {
        const first = await runbookRunByKey(pool, principal.id, key!);
        if (!first) throw new AirlockError("idempotency.in_progress");
        if (first.runbook !== runbook.name || first.params_hash !== hash)
          throw new AirlockError("idempotency.mismatch");
        // Another pick of a gate's reviewers is another request, as for runs and batches.
        const before = first.gate_reviewers ?? {};
        const now = gateReviewers ?? {};
        for (const gate of new Set([...Object.keys(before), ...Object.keys(now)]))
          if (!sameChoice(before[gate] ?? null, now[gate] ?? null))
            throw new AirlockError("idempotency.mismatch");
        return await view(principal, first);
      };
      if (key !== null && (await runbookRunByKey(pool, principal.id, key))) return await replay();
      // Its workflow's first read, of the starter as a session would see them, made beside the
      // insert (runbook-runner.ts reads it again on any later execution).
      const starter = loadPrincipal(pool, principal.id, "session");
      starter.catch(() => {});
      // The run and its audit event in one write and one round trip; a key another start took
      // in the meantime fails it (nothing is written), and the start answers as a replay. Its
      // workflow is started meanwhile, and waits for this insert before anything else: a workflow
      // whose run was never inserted ends at once (runbook-runner.ts).
      const insert: Promise<RunbookRunRow | null> = inOneWrite(pool, (client) =>
        Promise.all([
          insertRunbookRun(client, {
            id,
            runbook: runbook.name,
            version: runbook.version,
            params: values,
            actorId: principal.id,
            requestId,
            idempotencyKey: key,
            paramsHash: hash,
            reason,
            gateReviewers,
          }),
          appendAudit(client, [
            runbookEvent(
              "runbook.started",
              "success",
              { id, runbook: runbook.name, version: runbook.version, requestId },
              principal,
              {
                params: scrubDeep(values),
                reason,
                ...(key || gateReviewers
                  ? {
                      data: {
                        ...(key ? { idempotencyKey: key } : {}),
                        ...(gateReviewers ? { gateReviewers } : {}),
                      },
                    }
                  : {}),
              },
            ),
          ]),
        ]),
      ).then(
        ([row]) => row,
        (error: unknown) => {
          if (isTakenStartKey(error)) return null;
          throw error;
        },
      );
      runner.handedOver.set(id, { row: insert, starter });
      const started = running.start(RUNBOOK_WORKFLOW, id, { runbookRunId: id, actorId: principal.id });
      const [inserted] = await Promise.all([insert, started]).catch(async (error: unknown) => {
        // Its workflow never began here (or began and found no run): nothing to hand over.
        runner.handedOver.delete(id);
        await Promise.allSettled([insert, started]);
        throw error;
      });
      if (!inserted) return await replay();
      // The run as it was started, before any step: no read while its first steps run (its
      // page and the live stream follow them).
      return runbookRunView(
        workspace,
        inserted,
        [],
        [],
        principal,
        new Map(),
        await runbookQuestions(pool, inserted, []),
      );
    },

    async get(principal, id) {
      return await view(principal, await visibleRun(principal, id));
    },

    async list(principal, filter) {
      const names: string[] = [];
      for (const runbook of workspace.runbooks.values()) {
        if (filter.runbook && runbook.name !== filter.runbook) continue;
        if ((await authorizer.can(principal, "view", runbook)).allowed) names.push(runbook.name);
      }
      const rows = await listRunbookRuns(pool, {
        runbooks: names,
        limit: filter.limit,
        before: filter.before ?? null,
      });
      return rows.map((row) => runbookRunView(workspace, row, [], [], principal));
    },

    async cancel(principal, id, reason) {
      const row = await visibleRun(principal, id);
      await requireRun(principal, row);
      const cleanReason = reason ? scrubText(reason).slice(0, 1_000) : null;
      const ended = await inTransaction(pool, async (tx) => {
        const done = await endRunbookRun(tx, id, {
          status: "cancelled",
          by: principal.id,
          reason: cleanReason,
        });
        if (done) {
          await appendAudit(tx, [
            runbookEvent("runbook.cancelled", "success", runRef(row), principal, { reason: cleanReason }),
          ]);
          await withdrawGates(tx, row, principal, cleanReason);
        }
        return done;
      });
      if (!ended)
        throw new AirlockError("runbook.invalid_transition", `The runbook run is already ${row.status}.`);
      await requireEngine().cancel(row.workflow_id);
      // A human step's look waiting in the run's process wakes, and its end finds the workflow
      // cancelled; otherwise it would see that only when its wait's bound ends.
      await pool.query(WAKE_SQL, [id]).catch(() => {});
      return await view(principal, (await getRunbookRun(pool, id))!);
    },

    async retry(principal, id) {
      const row = await visibleRun(principal, id);
      await requireRun(principal, row);
      const failedStep = row.status === "failed" ? row.error?.step : null;
      if (!failedStep)
        throw new AirlockError(
          "runbook.invalid_transition",
          row.status === "failed"
            ? "This run failed before its first step; start the runbook again."
            : `Only a failed runbook run can be retried; this one is ${row.status}.`,
        );
      const running = requireEngine();
      const workflowId = `${id}.${row.attempt + 1}`;
      await inTransaction(pool, async (tx) => {
        const attempt = await reopenForRetry(tx, id, workflowId);
        if (attempt === null) throw new AirlockError("runbook.invalid_transition");
        await appendAudit(tx, [
          runbookEvent("runbook.retried", "success", runRef(row), principal, {
            data: { step: failedStep, attempt },
          }),
        ]);
      });
      // The new workflow keeps the steps before the failed one with their results and runs the
      // rest; the step's idempotency key carries the new attempt, so its action runs again.
      await forkRunbookRun(running, pool, { id, workflowId: row.workflow_id }, failedStep, workflowId);
      return await view(principal, (await getRunbookRun(pool, id))!);
    },

    async answer(principal, id, stepName, answer) {
      const row = await visibleRun(principal, id);
      const step = await getStep(pool, id, stepName);
      if (step?.kind !== "input")
        throw new AirlockError("runbook.run_not_found", "There is no such human step.");
      if (!isAssignee(principal, step)) throw new AirlockError("runbook.not_assignee");
      // Answering twice gives the first answer back: a double submit is not a second decision.
      if (step.status === "succeeded") return { run: await view(principal, row), replayed: true };
      // Past its expiry a step takes no answer, even in the moment before its runbook ends it.
      if (isExpired(step)) throw new AirlockError("runbook.input_expired");
      if (step.status !== "waiting") throw new AirlockError("runbook.step_not_waiting");
      const schema = formSchema(step.form);
      const parsed = schema.safeParse(answer ?? {});
      if (!parsed.success)
        throw new AirlockError("validation.failed", undefined, { issues: issuesOf(parsed.error) });
      // Answers are decisions and comments: free text is scrubbed of PII before it is stored.
      const value = scrubDeep(parsed.data);
      requireEngine();
      // The answer, its audit event and the runbook's wake-up go out with BEGIN, in one write;
      // kept only if the step was still waiting. The wake-up is a NOTIFY in the same transaction:
      // delivered at the answer's commit, never without it (runbook-input.ts).
      const answered = await keptIf(pool, async (tx) => {
        const [ok] = await Promise.all([
          answerStep(tx, id, stepName, { by: principal.id, value }),
          appendAudit(tx, [
            runbookEvent("runbook.input_answered", "success", runRef(row), principal, {
              params: value,
              data: { step: stepName, title: step.title },
            }),
          ]),
          tx.query(WAKE_SQL, [id]),
        ]);
        return ok;
      });
      if (!answered) {
        const now = await getStep(pool, id, stepName);
        if (now?.status === "succeeded") return { run: await view(principal, row), replayed: true };
        throw new AirlockError(now && isExpired(now) ? "runbook.input_expired" : "runbook.step_not_waiting");
      }
      return { run: await view(principal, (await getRunbookRun(pool, id))!), replayed: false };
    },

    async decideGate(verb, input) {
      const row = await visibleRun(input.principal, input.runbookRunId);
      const step = await getStep(pool, row.id, input.step);
      if (step?.kind !== "approval" || !step.approval_request_id)
        throw new AirlockError("runbook.run_not_found", "There is no such approval gate.");
      const decide = verb === "approve" ? approve : reject;
      const outcome = await decide(deps.approvals.deps, {
        approvalRequestId: step.approval_request_id,
        principal: input.principal,
        channel: input.channel,
        requestId: input.requestId,
        client: input.client,
        reason: input.reason,
        subjectKind: GATE_SUBJECT,
      });
      if (!outcome.ok) throw outcome.error;
      return await view(input.principal, (await getRunbookRun(pool, row.id))!);
    },

    async gates(principal) {
      if (principal.kind !== "human") return [];
      const rows = await pendingGates(pool);
      const out: WaitingGateView[] = [];
      for (const gate of rows) {
        const facts = await gateFacts(principal, gate.approval_request_id);
        if (facts.whyNot) continue;
        out.push(waitingGateView(workspace, gate, facts));
      }
      return out;
    },

    async inbox(principal) {
      const rows = await waitingInputsFor(pool, { id: principal.id, groups: principal.groups });
      // A step past its expiry is no longer asked, though its runbook may not have ended it yet.
      return rows.filter((row) => !isExpired(row)).map((row) => waitingInputView(workspace, row));
    },

    async close() {
      if (sweeper) clearInterval(sweeper);
      unsubscribe?.();
      await wakes?.close();
      await engine?.release();
    },
  };
}

function isAssignee(
  principal: Principal,
  step: { assigned_user: string | null; assigned_group: string | null },
) {
  if (step.assigned_user) return step.assigned_user === principal.id;
  return (
    step.assigned_group !== null &&
    principal.kind === "human" &&
    principal.groups.includes(step.assigned_group)
  );
}

/** Expired: ended at its expiry, or still waiting past it. */
function isExpired(step: {
  status: string;
  expires_at: Date | null;
  error: { code: string } | null;
}): boolean {
  if (step.status === "failed") return step.error?.code === "runbook.input_expired";
  return step.status === "waiting" && step.expires_at !== null && step.expires_at.getTime() <= Date.now();
}

// The form was generated from the runbook's zod schema; rebuilt from it here, the answer gets the
// same field errors the runbook's code would give.
function formSchema(form: Record<string, unknown> | null): z.ZodType {
  return z.fromJSONSchema((form ?? { type: "object", properties: {}, additionalProperties: false }) as never);
}
