// When a schedule ticks, computed from its compiled timing: the next ticks (for people) and the
// latest tick due at a time (for catching up after downtime). cron-parser reads the same 5-field
// cron DBOS fires on; an interval no cron expresses keeps the minutes that are whole multiples of
// it since the epoch (the tick body applies the same rule).
import { CronExpressionParser } from "cron-parser";
import type { CompiledSchedule } from "../workspace/compile-workspace.ts";

type Timing = Pick<CompiledSchedule, "cron" | "timeZone" | "everyMinutes">;

/** Whether a tick the cron fired is one of the schedule's (always, unless an odd interval). */
export function keepsTick(schedule: Timing, tickAt: Date): boolean {
  if (schedule.everyMinutes === null) return true;
  return Math.floor(tickAt.getTime() / 60_000) % schedule.everyMinutes === 0;
}

/** The next `count` ticks strictly after `from`. */
export function nextTicks(schedule: Timing, from: Date, count: number): Date[] {
  const cron = CronExpressionParser.parse(schedule.cron, { tz: schedule.timeZone, currentDate: from });
  const out: Date[] = [];
  // An odd interval is filtered from a per-minute cron: bounded, so a bug cannot spin forever.
  for (let i = 0; out.length < count && i < count * 1_440; i++) {
    const at = cron.next().toDate();
    if (keepsTick(schedule, at)) out.push(at);
  }
  return out;
}

/** The latest tick at or before `at`, or null if none within a year. */
export function latestTickAtOrBefore(schedule: Timing, at: Date): Date | null {
  const cron = CronExpressionParser.parse(schedule.cron, {
    tz: schedule.timeZone,
    currentDate: new Date(at.getTime() + 1),
  });
  for (let i = 0; i < 527_040; i++) {
    let tick: Date;
    try {
      tick = cron.prev().toDate();
    } catch {
      return null;
    }
    if (at.getTime() - tick.getTime() > 366 * 86_400_000) return null;
    if (keepsTick(schedule, tick)) return tick;
  }
  return null;
}

/**
 * How late a tick may start and still run. A tick's workflow starts within a second of its time;
 * one taken over from a stopped process starts about 5.5 s late (the dead-after threshold and a
 * poll; up to ~20 s seen under load). A tick starting later than this could not run when it fell
 * due (no process could: all were stopped, or the database was unreachable): it is a missed tick.
 */
export const LATE_TICK_MS = 60_000;

/**
 * Whether a tick starting at `now` is a missed one its schedule's policy does not run late: with
 * `skip`, any tick later than `LATE_TICK_MS`; with `catchUpOnce`, such a tick unless it is still
 * the latest one due (then it is the one tick to catch up).
 */
export function missedWhenLate(
  schedule: Timing & Pick<CompiledSchedule, "missed">,
  tickAt: Date,
  now: Date,
): boolean {
  if (now.getTime() - tickAt.getTime() <= LATE_TICK_MS) return false;
  if (schedule.missed === "skip") return true;
  return latestTickAtOrBefore(schedule, now)?.getTime() !== tickAt.getTime();
}
