// Schedules: each with its timing, the service identity it acts as, what it starts, its next
// ticks and last runs, and whether an admin paused it; pause and resume.
import { z } from "zod";
import { isoTime, personRef } from "./common.ts";

export const scheduleTick = z.strictObject({
  tickAt: isoTime,
  status: z.enum(["started", "refused"]),
  runId: z.string().nullable().describe("The run it started (GET /api/v1/runs/{id})"),
  runbookRunId: z.string().nullable().describe("The runbook run it started (GET /api/v1/runbook-runs/{id})"),
  targetStatus: z.string().nullable().describe("That run's status now"),
  forEachRunbookRunIds: z
    .array(z.string())
    .describe("Runbook runs started from the action's result (forEach)"),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  catchUp: z.boolean().describe("Fired at the next start after downtime (missed: catchUpOnce)"),
});

export const scheduleView = z.strictObject({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  timing: z.string().describe('As written: "0 6 * * * (Europe/London)" or "every 15m"'),
  timeZone: z.string(),
  as: z.string().describe("The service identity each tick acts as"),
  target: z.strictObject({
    kind: z.enum(["action", "runbook"]),
    name: z.string(),
    forEach: z.string().nullable().describe("The runbook started per result of the action, if any"),
  }),
  missed: z.enum(["skip", "catchUpOnce"]),
  paused: z.boolean(),
  changedBy: personRef.nullable().describe("Who last paused or resumed it"),
  changedAt: isoTime.nullable(),
  reason: z.string().nullable(),
  nextTicks: z.array(isoTime).describe("The next ticks (none while paused)"),
  lastRuns: z.array(scheduleTick).describe("The newest ticks first"),
  canAdmin: z.boolean().describe("Whether you may pause and resume it"),
});

export const scheduleList = z.strictObject({ schedules: z.array(scheduleView) });

export const pauseScheduleBody = z.strictObject({
  reason: z.string().trim().min(1).max(1_000).optional(),
});
