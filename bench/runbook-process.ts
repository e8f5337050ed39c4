// The processes of the runbooks bench (bench/runbook-steps.ts), each with its own DBOS (one per
// process):
// - `section [--quick]`: DBOS's bare workflows of 1 and 10 no-op steps, then Airlock's runbook
//   figures on the same DBOS; prints one JSON line with all of them and exits.
// - `peer`: an Airlock process on the same database that answers human steps: reads lines
//   `{ id, userId }` on stdin, answers that run's `input` step as that user, and prints
//   `{ t0 }` (the monotonic clock just before the answer call) per line.
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import pino from "pino";
import { acquireDurableEngine, type DurableEngine } from "../src/engine/durable-engine.ts";
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { round, summarize } from "./lib/stats.ts";
import {
  measureRunbooks,
  now,
  openBenchAirlock,
  type RunbookHooks,
  type RunbookSection,
  runbookBenchWorkspace,
} from "./runbook-steps.ts";

// DBOS 5.3 sends a query on a client already running one; pg warns once per process (DBOS's to fix).
process.noDeprecation = true;
const { values, positionals } = parseArgs({
  options: { quick: { type: "boolean" } },
  allowPositionals: true,
});
const url = process.env.DATABASE_URL!;
const stat = (samples: number[]) => {
  const s = summarize(samples);
  return { n: s.n, p50: round(s.p50), p99: round(s.p99), max: round(s.max) };
};

if (positionals[0] === "peer") {
  const hooks: RunbookHooks = { marks: [], afterAnswer: null };
  const airlock = await openBenchAirlock(url, hooks);
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, userId } = JSON.parse(line) as { id: string; userId: string };
    try {
      const principal = (await loadPrincipal(airlock.database.pool, userId, "session"))!;
      const t0 = now();
      await airlock.runbooks.answer(principal, id, "input", { ok: true });
      process.stdout.write(`${JSON.stringify({ t0 })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
    }
  }
  await airlock.close();
  process.exit(0);
} else if (positionals[0] === "section") {
  const quick = values.quick ?? false;
  await prepareDatabase(url, migrationSourcesFor(runbookBenchWorkspace({ marks: [], afterAnswer: null })));
  let engine: DurableEngine | null = null;
  engine = await acquireDurableEngine({
    url,
    log: pino({ level: "warn" }),
    workflows: {
      "bench.one": async () => engine!.step("noop", async () => 1),
      "bench.ten": async () => {
        for (let i = 0; i < 10; i++) await engine!.step(`noop${i}`, async () => i);
      },
    },
  });
  const run = async (workflow: string) => (await engine!.start(workflow, randomUUID(), null)).result();
  const timed = async (workflow: string, n: number) => {
    for (let i = 0; i < 10; i++) await run(workflow); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      await run(workflow);
      samples.push(now() - t0);
    }
    return stat(samples);
  };
  const dbos = {
    oneStep: await timed("bench.one", quick ? 50 : 200),
    tenSteps: await timed("bench.ten", quick ? 30 : 100),
  };
  const figures = await measureRunbooks(url, { quick });
  await engine.release();
  const section: RunbookSection = { dbos, ...figures };
  process.stdout.write(`${JSON.stringify(section)}\n`);
  process.exit(0);
} else {
  throw new Error("usage: runbook-process.ts section [--quick] | peer");
}
