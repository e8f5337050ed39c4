import type { Duration } from "./duration.ts";

/** When a schedule ticks: a 5-field cron expression in a time zone, or a fixed interval. */
export type ScheduleTiming =
  | {
      /** Minute, hour, day of month, month, day of week (`"0 6 * * 1-5"`: 06:00 on weekdays). */
      cron: string;
      /** An IANA time zone (`"Europe/London"`); default `"UTC"`. Daylight saving is honoured. */
      timeZone?: string;
    }
  | {
      /** Every this long (at least one minute, whole minutes), counted from midnight UTC. */
      every: Duration;
    };

/** What a tick starts: one action run, or one runbook run. */
export type ScheduleTarget =
  | {
      action: string;
      params?: Record<string, unknown>;
      /**
       * After the action's run succeeds, start this runbook once per input the function returns
       * from the run's result (a daily check that starts a review per account it flagged). The
       * action must run inline, so its result is there when the tick goes on.
       */
      forEach?: {
        runbook: string;
        // biome-ignore lint/suspicious/noExplicitAny: the action's result, as its handler returned it
        inputs: (result: any) => Record<string, unknown>[];
      };
    }
  | { runbook: string; input?: Record<string, unknown> };

export type ScheduleDefinition = ScheduleTiming & {
  /** Stable identifier (`daily_fraud_check`), unique among schedules. */
  name: string;
  title?: string;
  description?: string;
  /**
   * The service identity each tick acts as (declared in `services`); its roles' grants decide
   * what the tick may do. Never a person: a schedule keeps working when people leave.
   */
  as: string;
  target: ScheduleTarget;
  /**
   * After downtime (no Airlock process running when ticks were due): `"skip"` them (default) or
   * `"catchUpOnce"` — run once, for the latest missed tick, at the next start.
   */
  missed?: "skip" | "catchUpOnce";
};

export type Schedule = ScheduleDefinition & { readonly kind: "schedule" };

/**
 * Start an action or a runbook on a timetable, as a service identity. Each tick runs once across
 * all Airlock processes (its idempotency key is derived from the schedule and the tick's time);
 * admins pause and resume schedules (`airlock schedules pause <name>`). List it in
 * `defineWorkspace({ schedules: [...] })`.
 *
 * @example
 * export const dailyFraudCheck = defineSchedule({
 *   name: "daily_fraud_check",
 *   cron: "0 6 * * *",
 *   timeZone: "Europe/London",
 *   as: "fraud-bot",
 *   target: { action: "flag_suspicious_accounts", params: { days: 1 } },
 *   missed: "catchUpOnce",
 * });
 */
export function defineSchedule(definition: ScheduleDefinition): Schedule {
  return Object.freeze({ ...definition, kind: "schedule" as const });
}
