// A schedule definition, checked and compiled: a 5-field cron expression that parses, in a time
// zone this runtime knows, or an interval of whole minutes (at least one); a service identity
// declared in the workspace; a target action or runbook that exists, with parameters its schema
// accepts. Every problem names the schedule, so `airlock check` and the start refuse it clearly.
import { CronExpressionParser } from "cron-parser";
import type { Schedule } from "../sdk/define-schedule.ts";
import { durationMs } from "../sdk/duration.ts";
import { NAME_PATTERN } from "./workspace-names.ts";

const MINUTE_MS = 60_000;

export interface CompiledSchedule {
  name: string;
  title: string;
  description: string;
  /** What the engine fires on: the cron written, or one derived from the interval. */
  cron: string;
  timeZone: string;
  /** An interval that no cron expresses (7 minutes): ticks fire every minute and keep these. */
  everyMinutes: number | null;
  /** As written, for people: `0 6 * * * (Europe/London)` or `every 15m`. */
  timing: string;
  as: string;
  target:
    | {
        kind: "action";
        name: string;
        params: Record<string, unknown>;
        /** A runbook started per input derived from the run's result. */
        forEach: { runbook: string; inputs: (result: unknown) => Record<string, unknown>[] } | null;
      }
    | {
        kind: "runbook";
        name: string;
        params: Record<string, unknown>;
      };
  missed: "skip" | "catchUpOnce";
}

export interface ScheduleLimits {
  /**
   * The shortest tick. One minute for every workspace; only a test builds a compiled schedule
   * with seconds (six cron fields), so that twenty ticks take seconds rather than twenty minutes.
   */
  minimumTickMs: number;
}

export const WORKSPACE_LIMITS: ScheduleLimits = { minimumTickMs: MINUTE_MS };

interface Known {
  actions: ReadonlyMap<
    string,
    { execution: string; params: { safeParse(v: unknown): { success: boolean; error?: unknown } } }
  >;
  runbooks: ReadonlyMap<string, { params: { safeParse(v: unknown): { success: boolean; error?: unknown } } }>;
  services: Readonly<Record<string, unknown>>;
}

export function compileSchedule(
  schedule: Schedule,
  where: string,
  known: Known,
  problems: string[],
  limits: ScheduleLimits = WORKSPACE_LIMITS,
): CompiledSchedule | null {
  if (schedule?.kind !== "schedule") {
    problems.push(`${where}: not a schedule; use defineSchedule({ ... }).`);
    return null;
  }
  const before = problems.length;
  if (typeof schedule.name !== "string" || !NAME_PATTERN.test(schedule.name))
    problems.push(
      `${where}: the name must be snake_case (like "daily_fraud_check"), got ${JSON.stringify(schedule.name)}.`,
    );
  const timing = compileTiming(schedule, where, problems, limits);
  if (typeof schedule.as !== "string" || !Object.hasOwn(known.services, schedule.as))
    problems.push(
      `${where}: "as" must name a service identity declared in services, got ${JSON.stringify(schedule.as)}; a schedule never acts as a person.`,
    );
  const target = compileTarget(schedule, where, known, problems);
  const missed = schedule.missed ?? "skip";
  if (missed !== "skip" && missed !== "catchUpOnce")
    problems.push(`${where}: missed must be "skip" or "catchUpOnce", got ${JSON.stringify(missed)}.`);
  if (problems.length > before || !timing || !target) return null;
  return {
    name: schedule.name,
    title: schedule.title ?? schedule.name,
    description: schedule.description ?? "",
    ...timing,
    as: schedule.as,
    target,
    missed,
  };
}

function compileTiming(
  schedule: Schedule,
  where: string,
  problems: string[],
  limits: ScheduleLimits,
): Pick<CompiledSchedule, "cron" | "timeZone" | "everyMinutes" | "timing"> | null {
  const hasCron = "cron" in schedule && schedule.cron !== undefined;
  const hasEvery = "every" in schedule && schedule.every !== undefined;
  if (hasCron === hasEvery) {
    problems.push(`${where}: give either cron (with an optional timeZone) or every, not both or neither.`);
    return null;
  }
  if (hasEvery) {
    const every = (schedule as { every: Parameters<typeof durationMs>[0] }).every;
    let ms: number;
    try {
      ms = durationMs(every);
    } catch (error) {
      problems.push(`${where}: every: ${(error as Error).message}.`);
      return null;
    }
    if (ms < limits.minimumTickMs) {
      problems.push(`${where}: every is ${JSON.stringify(every)}; a schedule ticks at most once a minute.`);
      return null;
    }
    if (limits.minimumTickMs >= MINUTE_MS && ms % MINUTE_MS !== 0) {
      problems.push(`${where}: every must be whole minutes, got ${JSON.stringify(every)}.`);
      return null;
    }
    return { ...intervalCron(ms), timeZone: "UTC", timing: `every ${every}` };
  }
  const { cron, timeZone = "UTC" } = schedule as { cron: unknown; timeZone?: unknown };
  if (typeof timeZone !== "string" || !knownTimeZone(timeZone)) {
    problems.push(
      `${where}: unknown time zone ${JSON.stringify(timeZone)} (use an IANA name like "Europe/London").`,
    );
    return null;
  }
  const fields = typeof cron === "string" ? cron.trim().split(/\s+/) : [];
  const wanted = limits.minimumTickMs < MINUTE_MS ? [5, 6] : [5];
  if (!wanted.includes(fields.length)) {
    problems.push(
      `${where}: cron ${JSON.stringify(cron)} does not parse: it needs 5 fields (minute hour day-of-month month day-of-week).`,
    );
    return null;
  }
  try {
    CronExpressionParser.parse(fields.join(" "), { tz: timeZone, strict: false }).next();
  } catch (error) {
    problems.push(`${where}: cron ${JSON.stringify(cron)} does not parse: ${(error as Error).message}.`);
    return null;
  }
  const text = fields.join(" ");
  return { cron: text, timeZone, everyMinutes: null, timing: `${text} (${timeZone})` };
}

/** An interval as cron when one expresses it exactly; otherwise every minute, filtered. */
function intervalCron(ms: number): { cron: string; everyMinutes: number | null } {
  if (ms < MINUTE_MS) return { cron: `*/${ms / 1000} * * * * *`, everyMinutes: null };
  const minutes = ms / MINUTE_MS;
  if (minutes < 60 && 60 % minutes === 0) return { cron: `*/${minutes} * * * *`, everyMinutes: null };
  if (minutes % 60 === 0 && 24 % (minutes / 60) === 0)
    return { cron: `0 */${minutes / 60} * * *`, everyMinutes: null };
  return { cron: "* * * * *", everyMinutes: minutes };
}

function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

function compileTarget(
  schedule: Schedule,
  where: string,
  known: Known,
  problems: string[],
): CompiledSchedule["target"] | null {
  const target = schedule.target as Record<string, unknown> | undefined;
  if (target && typeof target.action === "string") {
    const action = known.actions.get(target.action);
    const params = (target.params ?? {}) as Record<string, unknown>;
    if (!action) problems.push(`${where}: the target action "${target.action}" does not exist.`);
    else if (!action.params.safeParse(params).success)
      problems.push(`${where}: the params for "${target.action}" do not match its schema.`);
    const forEach = target.forEach as { runbook?: unknown; inputs?: unknown } | undefined;
    if (forEach !== undefined) {
      if (typeof forEach.runbook !== "string" || !known.runbooks.has(forEach.runbook))
        problems.push(
          `${where}: forEach.runbook must name a runbook of the workspace, got ${JSON.stringify(forEach.runbook)}.`,
        );
      if (typeof forEach.inputs !== "function")
        problems.push(
          `${where}: forEach.inputs must be a function from the action's result to runbook inputs.`,
        );
      if (action && action.execution !== "inline")
        problems.push(`${where}: forEach needs an inline action (its result is read when the tick runs).`);
    }
    return action
      ? {
          kind: "action",
          name: target.action,
          params,
          forEach: forEach
            ? (forEach as NonNullable<Extract<CompiledSchedule["target"], { kind: "action" }>["forEach"]>)
            : null,
        }
      : null;
  }
  if (target && typeof target.runbook === "string") {
    const runbook = known.runbooks.get(target.runbook);
    const params = (target.input ?? {}) as Record<string, unknown>;
    if (!runbook) problems.push(`${where}: the target runbook "${target.runbook}" does not exist.`);
    else if (!runbook.params.safeParse(params).success)
      problems.push(`${where}: the input for "${target.runbook}" does not match its schema.`);
    return runbook ? { kind: "runbook", name: target.runbook, params } : null;
  }
  problems.push(`${where}: target must be { action, params } or { runbook, input }.`);
  return null;
}
