// The workspace of the schedule tests: an action whose effect is a ledger row keyed by the run's
// idempotency key (so a tick run twice would show), run by the service identity `ticker`, and a
// runbook of one such step. The ticking schedules themselves are compiled by the tests with a
// one-second floor (`tickSchedules`), which no workspace file can ask for.

import type { Schedule } from "../../src/sdk/index.ts";
import { defineAction, defineRunbook, defineSchedule, defineWorkspace, z } from "../../src/sdk/index.ts";
import { compileSchedule } from "../../src/workspace/compile-schedule.ts";
import type { CompiledSchedule, CompiledWorkspace } from "../../src/workspace/compile-workspace.ts";

export const recordTick = defineAction({
  name: "record_tick",
  title: "Record a tick in the ledger",
  tags: ["ticks"],
  execution: "inline",
  params: z.object({ label: z.string() }),
  async handler(p, ctx) {
    // A slow tick (TICK_SLOW_MS, a spawned process's setting): a process stopped inside it leaves
    // the tick's workflow unfinished, for the restart to recover.
    const slow = Number(process.env.TICK_SLOW_MS ?? 0);
    if (slow > 0) await new Promise((r) => setTimeout(r, slow));
    await ctx.db.query("INSERT INTO public.tick_ledger (reference, label, pid) VALUES ($1, $2, $3)", [
      ctx.idempotencyKey,
      p.label,
      process.pid,
    ]);
    return { label: p.label };
  },
});

export const tickRunbook = defineRunbook({
  name: "tick_review",
  title: "Record a tick from a runbook",
  params: z.object({ label: z.string() }),
  uses: ["record_tick"],
  async handler(rb, p) {
    await rb.run("record_tick", { label: p.label });
  },
});

export const tickWorkspace = defineWorkspace({
  name: "ticks",
  actions: [recordTick],
  runbooks: [tickRunbook],
  services: { ticker: { description: "Runs the test schedules" } },
  roles: {
    ops: { groups: ["ops"] },
    admins: { groups: ["admins"] },
    ticker: { services: ["ticker"] },
  },
  grants: [
    { to: "ticker", verbs: ["view", "run"], on: { tag: "ticks" } },
    { to: "ticker", verbs: ["view", "run"], on: { runbook: "tick_review" } },
    { to: "ops", verbs: ["view"], on: { tag: "ticks" } },
    { to: "admins", verbs: ["admin", "view"], on: "*" },
  ],
  schedules: [
    defineSchedule({
      name: "nightly_ticks",
      title: "Nightly ticks",
      cron: "30 2 * * *",
      timeZone: "Europe/London",
      as: "ticker",
      target: { action: "record_tick", params: { label: "nightly" } },
    }),
  ],
});

export const TICK_TABLE = `
  CREATE TABLE public.tick_ledger (reference text UNIQUE NOT NULL, label text NOT NULL, pid int NOT NULL);
  GRANT SELECT, INSERT ON public.tick_ledger TO airlock_app;`;

/** Schedules that tick every second: compiled with a test-only floor, added to the workspace. */
export function withSecondTicks(workspace: CompiledWorkspace, schedules: Schedule[]): CompiledWorkspace {
  const problems: string[] = [];
  const compiled = new Map<string, CompiledSchedule>(workspace.schedules);
  for (const schedule of schedules) {
    const one = compileSchedule(schedule, schedule.name, workspace, problems, { minimumTickMs: 1_000 });
    if (one) compiled.set(one.name, one);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { ...workspace, schedules: compiled };
}

export const everySecond = (
  name: string,
  missed: "skip" | "catchUpOnce",
  target = "action",
  cron = "* * * * * *",
) =>
  defineSchedule({
    name,
    cron,
    as: "ticker",
    missed,
    target:
      target === "action"
        ? { action: "record_tick", params: { label: name } }
        : { runbook: "tick_review", input: { label: name } },
  });
