// Schedules for the entry points (HTTP routes, CLI through HTTP): the schedules a person may see
// with their next ticks and last runs, and pause/resume by an admin (audited).
//
// How ticks fire: DBOS's dynamic scheduler (decision 0006), through the durable engine's facade.
// At start every process applies the workspace's schedules (an upsert that keeps each one's paused
// state and last tick) and runs DBOS's loop for each; a tick inserts the workflow
// `sched-<name>-<tick>`, whose id makes N processes' firings one workflow, run by one process.
// Its body (schedule-tick.ts) is one checkpointed step that starts the run as the schedule's
// service identity. Missed ticks: DBOS's loop starts from now, so ticks that fell due while no
// process ran are skipped; a schedule with `missed: "catchUpOnce"` gets its latest missed tick
// fired at the next start (the same workflow id, so every process starting at once fires it once).
// A database outage while processes keep running is a downtime too: DBOS's loop fails to write the
// ticks that fall due in it and moves on, and no start follows to see the gap. So when the durable
// engine reaches the database again, each process runs the same catch-up pass, as of that moment.
import type pg from "pg";
import type { z } from "zod";
import type { scheduleView } from "../api/schedules.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { acquireDurableEngine, type DurableEngine, whileUnreachable } from "../engine/durable-engine.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { Log } from "../observe/logger.ts";
import { scrubText } from "../pii/mask.ts";
import type { Runbooks } from "../runbooks/runbooks.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledSchedule, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import {
  isPaused,
  lastTicks,
  latestRecordedTick,
  type ScheduleStateRow,
  scheduleStates,
  setPaused,
  type TickRow,
} from "./schedule-store.ts";
import { runTick, type TickOutcome, tickBegun } from "./schedule-tick.ts";
import { keepsTick, latestTickAtOrBefore, missedWhenLate, nextTicks } from "./schedule-times.ts";

export type ScheduleView = z.output<typeof scheduleView>;

export interface SchedulesDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  databaseUrl: string;
  authorizer: Authorizer;
  control: Control;
  runbooks: Runbooks;
  log: Log;
}

export interface Schedules {
  list(principal: Principal): Promise<ScheduleView[]>;
  pause(principal: Principal, name: string, reason: string | null, requestId: string): Promise<ScheduleView>;
  resume(principal: Principal, name: string, requestId: string): Promise<ScheduleView>;
  /**
   * Fire the latest missed tick of each `catchUpOnce` schedule (done at start, and when the engine
   * reaches the database again after an outage); the names fired.
   */
  catchUp(now?: Date): Promise<string[]>;
  close(): Promise<void>;
}

interface TickContext {
  schedule: string;
  catchUp?: boolean;
}

const NEXT_TICKS = 5;
const LAST_RUNS = 10;

export async function createSchedules(deps: SchedulesDeps): Promise<Schedules> {
  const { workspace, pool, authorizer, log } = deps;
  const processStart = performance.timeOrigin;
  /** Per schedule: ticks before this fell in a downtime and are not run when recovered late. */
  const missedBefore = new Map<string, Date>();
  /** The catch-up pass after a database outage, when one is under way (one at a time). */
  let catchingUp: Promise<unknown> = Promise.resolve();
  let engine: DurableEngine | null = null;
  if (workspace.schedules.size > 0 || workspace.runbooks.size > 0) {
    // Shared with runbooks when they launched it (acquire counts users); launched here otherwise.
    engine = await acquireDurableEngine({ url: deps.databaseUrl, log, workflows: {} });
    const running = engine;
    // Before any tick body can run here: which ticks fell in a downtime (see `missedTicks`).
    for (const [name, due] of await missedTicks(running, new Date(Math.min(Date.now(), processStart))))
      missedBefore.set(name, due);
    running.schedules.onTick(async (tickAt, context) => {
      const { schedule: name, catchUp = false } = context as TickContext;
      const schedule = workspace.schedules.get(name);
      if (!schedule)
        return log.warn({ schedule: name }, "a tick of a schedule this workspace does not define");
      if (!keepsTick(schedule, tickAt)) return;
      // DBOS's loops fire the ticks owed since an outage as soon as the database is back: this
      // process's pass over that outage decides which of them are missed before any is run.
      if (!catchUp) await catchingUp;
      // A tick fired before a downtime whose workflow did not finish (the process stopped inside
      // it) is recovered here after the restart: it is a missed tick, and the schedule's policy
      // has already decided about those (skip: none; catchUpOnce: the latest, fired with
      // `catchUp`). Run, it made a second run for one downtime (seen under load: a tick earlier
      // than the catch-up tick ran too).
      const missedUntil = missedBefore.get(name);
      if (!catchUp && missedUntil && tickAt < missedUntil)
        return log.info({ schedule: name, tickAt }, "a tick missed in a downtime is not run late");
      // The same for a process that was running all along (the start-time check above cannot
      // know): a tick recovered long after it fell due — its process stopped inside it, and no
      // process could take it over until the database or a process came back — is a missed tick.
      // Unless its run had begun: then running it again only finds that run and records the tick.
      if (
        !catchUp &&
        missedWhenLate(schedule, tickAt, new Date()) &&
        !(await tickBegun(pool, schedule, tickAt))
      )
        return log.info({ schedule: name, tickAt }, "a tick that started too late is a missed tick, not run");
      await running.step("start", async (): Promise<TickOutcome | { status: "paused" }> => {
        if (await isPaused(pool, name)) return { status: "paused" };
        return await runTick({ ...deps }, schedule, tickAt, catchUp);
      });
    });
    try {
      await running.schedules.apply(
        [...workspace.schedules.values()].map((s) => ({
          name: s.name,
          cron: s.cron,
          timeZone: s.timeZone,
          context: { schedule: s.name } satisfies TickContext,
        })),
      );
      for (const [name, state] of await scheduleStates(pool)) {
        if (!workspace.schedules.has(name)) continue;
        if (state.paused) await running.schedules.pause(name);
        else await running.schedules.resume(name);
      }
    } catch (error) {
      await running.release();
      throw error;
    }
  }

  /**
   * The schedules whose latest tick due at `now` is later than the last one fired or recorded by
   * `lastBy` (the downtime's start, when known; else `now`): ticks fell due while no process could
   * run them (a downtime). For each, that latest due tick; the ticks before it are missed, whatever
   * the policy.
   */
  async function missedTicks(running: DurableEngine, now: Date, lastBy = now): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    const lastFired = await running.schedules.lastFired();
    for (const schedule of workspace.schedules.values()) {
      const recorded = await latestRecordedTick(pool, schedule.name, lastBy);
      const dbosLast = lastFired.get(schedule.name);
      const times = [recorded?.getTime() ?? 0, dbosLast ? Date.parse(dbosLast) : 0].filter(
        (t) => t <= lastBy.getTime(),
      );
      const last = Math.max(0, ...times);
      // Never ticked: a new schedule has missed nothing.
      if (last === 0) continue;
      const due = latestTickAtOrBefore(schedule, now);
      if (due && due.getTime() > last) out.set(schedule.name, due);
    }
    return out;
  }

  // Ticks this process's own scheduler loop fires (from its launch on) are not "before the
  // downtime": only ticks fired or recorded before the process began count as the last one, and
  // the tick caught up is the latest due before it began (measured: under load the loop fired the
  // current tick before this ran, which hid the downtime).
  //
  // After a database outage, `now` is when the engine reached the database again and `since` when
  // it first failed to: DBOS's loops, woken, fire the ticks they owe at once (moving their last
  // fired tick past the outage), so only what was fired or recorded before it counts.
  async function catchUp(now = new Date(Math.min(Date.now(), processStart)), since = now): Promise<string[]> {
    if (!engine) return [];
    const fired: string[] = [];
    const states = await scheduleStates(pool);
    for (const [name, due] of await missedTicks(engine, now, since)) {
      const schedule = workspace.schedules.get(name)!;
      const known = missedBefore.get(name);
      if (!known || known < due) missedBefore.set(name, due);
      if (schedule.missed !== "catchUpOnce" || states.get(schedule.name)?.paused) continue;
      await engine.schedules.fire(schedule.name, due, { schedule: schedule.name, catchUp: true });
      log.info({ schedule: schedule.name, tickAt: due }, "caught up a schedule's latest missed tick");
      fired.push(schedule.name);
    }
    return fired;
  }
  await catchUp();

  // One pass at a time: an outage that ends, starts and ends again queues one more pass. It is
  // queued the moment the engine connects again, before this process can take any tick owed
  // since the outage off the engine's queue: those wait for it (see onTick).
  const stopWatching = engine?.onReachableAgain((downSince) => {
    const at = new Date();
    // The first connection back may come before the app's pool has dropped its broken ones.
    catchingUp = catchingUp
      .then(() => whileUnreachable(() => catchUp(at, downSince)))
      .then(
        (fired) => {
          if (fired.length > 0) log.info({ schedules: fired }, "caught up ticks missed in a database outage");
        },
        (error) => log.warn({ err: error }, "catching up ticks missed in a database outage failed"),
      );
  });

  async function visible(principal: Principal, schedule: CompiledSchedule): Promise<boolean> {
    if (await authorizer.isWorkspaceAdmin(principal)) return true;
    const target =
      schedule.target.kind === "action"
        ? workspace.actions.get(schedule.target.name)
        : workspace.runbooks.get(schedule.target.name);
    return target ? (await authorizer.can(principal, "view", target)).allowed : false;
  }

  async function views(principal: Principal, only?: string): Promise<ScheduleView[]> {
    const shown: CompiledSchedule[] = [];
    for (const schedule of workspace.schedules.values()) {
      if (only && schedule.name !== only) continue;
      if (await visible(principal, schedule)) shown.push(schedule);
    }
    const [states, ticks, admin] = await Promise.all([
      scheduleStates(pool),
      lastTicks(
        pool,
        shown.map((s) => s.name),
        LAST_RUNS,
      ),
      authorizer.isWorkspaceAdmin(principal),
    ]);
    const now = new Date();
    return shown.map((schedule) =>
      scheduleViewOf(
        schedule,
        states.get(schedule.name) ?? null,
        ticks.filter((t) => t.schedule === schedule.name),
        admin,
        now,
      ),
    );
  }

  async function change(
    principal: Principal,
    name: string,
    paused: boolean,
    reason: string | null,
    requestId: string,
  ): Promise<ScheduleView> {
    const schedule = workspace.schedules.get(name);
    if (!schedule || !(await visible(principal, schedule))) throw new AirlockError("schedule.not_found");
    if (!(await authorizer.isWorkspaceAdmin(principal)))
      throw new AirlockError("permission.denied", "Only an admin may pause or resume a schedule.");
    const cleanReason = reason ? scrubText(reason).slice(0, 1_000) : null;
    await inTransaction(pool, async (tx) => {
      // Pausing a paused schedule changes nothing and is not recorded twice.
      if (!(await setPaused(tx, name, paused, principal.id, cleanReason))) return;
      await appendAudit(tx, [
        {
          type: paused ? "schedule.paused" : "schedule.resumed",
          outcome: "success",
          actorId: principal.id,
          actorKind: principal.kind,
          action: schedule.target.name,
          targetType: "schedule",
          targetId: name,
          requestId,
          reason: cleanReason,
          data: { schedule: name, as: schedule.as },
        },
      ]);
    });
    if (engine) {
      if (paused) await engine.schedules.pause(name);
      else await engine.schedules.resume(name);
    }
    return (await views(principal, name))[0]!;
  }

  return {
    list: (principal) => views(principal),
    pause: (principal, name, reason, requestId) => change(principal, name, true, reason, requestId),
    resume: (principal, name, requestId) => change(principal, name, false, null, requestId),
    catchUp,
    async close() {
      stopWatching?.();
      await catchingUp;
      await engine?.release();
    },
  };
}

function scheduleViewOf(
  schedule: CompiledSchedule,
  state: ScheduleStateRow | null,
  ticks: TickRow[],
  canAdmin: boolean,
  now: Date,
): ScheduleView {
  const paused = state?.paused ?? false;
  return {
    name: schedule.name,
    title: schedule.title,
    description: schedule.description,
    timing: schedule.timing,
    timeZone: schedule.timeZone,
    as: schedule.as,
    target: {
      kind: schedule.target.kind,
      name: schedule.target.name,
      forEach: schedule.target.kind === "action" ? (schedule.target.forEach?.runbook ?? null) : null,
    },
    missed: schedule.missed,
    paused,
    changedBy: state?.changed_by ? { id: state.changed_by, name: state.changed_by_name } : null,
    changedAt: state?.changed_at?.toISOString() ?? null,
    reason: state?.reason ?? null,
    nextTicks: paused ? [] : nextTicks(schedule, now, NEXT_TICKS).map((d) => d.toISOString()),
    lastRuns: ticks.map((t) => ({
      tickAt: t.tick_at.toISOString(),
      status: t.status,
      runId: t.run_id,
      runbookRunId: t.runbook_run_id,
      targetStatus: t.target_status,
      forEachRunbookRunIds: t.for_each_runbook_run_ids,
      errorCode: t.error_code,
      errorMessage: t.error_message,
      catchUp: t.catch_up,
    })),
    canAdmin,
  };
}
