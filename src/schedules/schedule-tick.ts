// What one tick does, as the schedule's service identity: start its action run through the
// control layer, or start its runbook. It runs inside the tick's durable workflow (DBOS: one
// workflow per (schedule, tick time) across every process), as one checkpointed step.
//
// Exactly once. The action run's idempotency key is `schedule:<name>:<tick ISO time>`: should the
// step run again after a crash, the control layer answers with the first run instead of running
// the action twice (the key is the actor's, the service identity's). A runbook run gets the
// request id `sched:<name>:<tick>`, and the step looks for a run with it before starting one.

import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { findKey } from "../control/idempotency-store.ts";
import type { AirlockError } from "../errors/airlock-error.ts";
import { loadServicePrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import { randomHex } from "../ids/ids.ts";
import type { Log } from "../observe/logger.ts";
import type { Runbooks } from "../runbooks/runbooks.ts";
import { getRun } from "../runs/run-store.ts";
import type { CompiledSchedule } from "../workspace/compile-workspace.ts";
import { recordTick, runbookRunOfTick } from "./schedule-store.ts";

export interface TickDeps {
  pool: pg.Pool;
  control: Control;
  runbooks: Runbooks;
  log: Log;
}

/** The idempotency key of a tick's run: derived from the schedule and the tick's time. */
export function tickKey(schedule: string, tickAt: Date): string {
  return `schedule:${schedule}:${tickAt.toISOString()}`;
}

/** The request id of a tick (its run's, or its runbook run's). */
export function tickRequestId(schedule: string, tickAt: Date): string {
  return `sched:${schedule}:${tickAt.toISOString()}`;
}

/**
 * Whether a tick's run (or runbook run) was already started, by an earlier attempt of the tick
 * that stopped before its checkpoint: running the tick again only finds that run and records it.
 */
export async function tickBegun(pool: pg.Pool, schedule: CompiledSchedule, tickAt: Date): Promise<boolean> {
  if (schedule.target.kind === "runbook")
    return (await runbookRunOfTick(pool, tickRequestId(schedule.name, tickAt))) !== null;
  const principal = await loadServicePrincipal(pool, schedule.as);
  if (!principal) return false;
  return (await findKey(pool, principal.id, tickKey(schedule.name, tickAt))) !== null;
}

export interface TickOutcome {
  status: "started" | "refused";
  runId: string | null;
  runbookRunId: string | null;
  errorCode: string | null;
}

export async function runTick(
  deps: TickDeps,
  schedule: CompiledSchedule,
  tickAt: Date,
  catchUp: boolean,
): Promise<TickOutcome> {
  const principal = await loadServicePrincipal(deps.pool, schedule.as);
  const base = { schedule: schedule.name, tickAt, actorId: principal?.id ?? null, catchUp };
  const refused = async (code: string, message: string): Promise<TickOutcome> => {
    await recordTick(deps.pool, {
      ...base,
      runId: null,
      runbookRunId: null,
      forEachRunbookRunIds: [],
      status: "refused",
      errorCode: code,
      errorMessage: message,
    });
    await appendAudit(deps.pool, [
      {
        type: "schedule.tick_refused",
        outcome: "denied",
        actorId: principal?.id ?? null,
        actorKind: principal ? "service" : null,
        action: schedule.target.name,
        targetType: "schedule",
        targetId: schedule.name,
        requestId: tickRequestId(schedule.name, tickAt),
        errorCode: code,
        data: { schedule: schedule.name, tickAt: tickAt.toISOString(), catchUp },
      },
    ]);
    deps.log.warn({ schedule: schedule.name, tickAt, code }, "a schedule's tick was refused");
    return { status: "refused", runId: null, runbookRunId: null, errorCode: code };
  };
  if (!principal)
    return await refused("auth.user_disabled", `The service identity "${schedule.as}" is disabled.`);
  const requestId = tickRequestId(schedule.name, tickAt);

  if (schedule.target.kind === "action") {
    const key = tickKey(schedule.name, tickAt);
    const submitted = await deps.control.submit(
      {
        channel: "schedule",
        principal,
        actionName: schedule.target.name,
        params: schedule.target.params,
        idempotencyKey: key,
        reason: `Schedule ${schedule.name}, tick ${tickAt.toISOString()}${catchUp ? " (caught up after downtime)" : ""}`,
        trace: { requestId, traceId: randomHex(16), parentSpanId: null },
        client: { clientIp: null, userAgent: "airlock-schedule" },
      },
      { waitMs: 0 },
    );
    let runId: string | null = submitted.kind === "run" ? submitted.run.id : null;
    if (submitted.kind === "refused" && submitted.error.code === "idempotency.in_progress")
      runId = (await findKey(deps.pool, principal.id, key))?.run_id ?? null;
    if (!runId) {
      const error = submitted.kind === "refused" ? submitted.error : null;
      return await refused(error?.code ?? "schedule.tick_failed", error?.message ?? "No run was created.");
    }
    const followOn = await startFollowOns(deps, schedule, principal, runId, requestId);
    await recordTick(deps.pool, {
      ...base,
      runId,
      runbookRunId: null,
      forEachRunbookRunIds: followOn.ids,
      status: "started",
      errorCode: followOn.error?.code ?? null,
      errorMessage: followOn.error?.message ?? null,
    });
    return { status: "started", runId, runbookRunId: null, errorCode: null };
  }

  let runbookRunId = await runbookRunOfTick(deps.pool, requestId);
  if (!runbookRunId) {
    try {
      runbookRunId = (
        await deps.runbooks.start(principal, schedule.target.name, schedule.target.params, requestId)
      ).id;
    } catch (error) {
      const code = (error as AirlockError).code;
      if (typeof code !== "string") throw error;
      return await refused(code, (error as Error).message);
    }
  }
  await recordTick(deps.pool, {
    ...base,
    runId: null,
    runbookRunId,
    forEachRunbookRunIds: [],
    status: "started",
    errorCode: null,
    errorMessage: null,
  });
  return { status: "started", runId: null, runbookRunId, errorCode: null };
}

/**
 * `forEach`: once the action's run succeeded, a runbook per input derived from its result (as stored:
 * PII masked). Each gets the request id `sched:<name>:<tick>:<n>` and is looked for by it first,
 * so a step run again after a crash starts none twice.
 */
async function startFollowOns(
  deps: TickDeps,
  schedule: CompiledSchedule,
  principal: Principal,
  runId: string,
  requestId: string,
): Promise<{ ids: string[]; error: { code: string; message: string } | null }> {
  const forEach = schedule.target.kind === "action" ? schedule.target.forEach : null;
  if (!forEach) return { ids: [], error: null };
  const run = await getRun(deps.pool, runId);
  if (run?.status !== "succeeded")
    return {
      ids: [],
      error: {
        code: "schedule.tick_failed",
        message: `The run ended ${run?.status ?? "missing"}; no runbook started.`,
      },
    };
  const ids: string[] = [];
  for (const [index, input] of forEach.inputs(run.result).entries()) {
    const childRequestId = `${requestId}:${index + 1}`;
    const existing = await runbookRunOfTick(deps.pool, childRequestId);
    if (existing) {
      ids.push(existing);
      continue;
    }
    try {
      ids.push((await deps.runbooks.start(principal, forEach.runbook, input, childRequestId)).id);
    } catch (error) {
      const code = (error as AirlockError).code;
      if (typeof code !== "string") throw error;
      return { ids, error: { code, message: (error as Error).message } };
    }
  }
  return { ids, error: null };
}
