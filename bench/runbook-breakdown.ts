// Where a 10-step runbook's time goes, in the process that runs it: the start call's own time, when
// its first step's handler begins, the span of its ten handlers, and its end after the last one
// (medians over N runbooks, after 5 to warm up). The runbook is the bench's `bench_ten` (ten
// governed no-op inline action steps), started and awaited as `bench/runbook-statements.ts` does.
// `DATABASE_URL=<a database it may migrate> N=60 node bench/runbook-breakdown.ts` prints one JSON
// line, in ms. Not part of `npm run bench`: it answers "where", the bench answers "how much".
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { newId } from "../src/ids/ids.ts";
import { migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { createBenchUser } from "./lib/bench-user.ts";
import { now, openBenchAirlock, type RunbookHooks, runbookBenchWorkspace } from "./runbook-steps.ts";

process.noDeprecation = true;
const url = process.env.DATABASE_URL;
if (!url) throw new Error("set DATABASE_URL to a database this script may migrate");
const n = Number(process.env.N ?? 60);
const hooks: RunbookHooks = { marks: [], afterAnswer: null };
await prepareDatabase(url, migrationSourcesFor(runbookBenchWorkspace(hooks)));
const airlock = await openBenchAirlock(url, hooks);
try {
  const pool = airlock.database.pool;
  const principal = (await loadPrincipal(pool, await createBenchUser(pool), "session"))!;
  const engine = airlock.runbooks.engine()!;
  const samples: { start: number; first: number; span: number; end: number; total: number }[] = [];
  for (let i = 0; i < n + 5; i++) {
    hooks.marks.length = 0;
    const began = now();
    const id = (await airlock.runbooks.start(principal, "bench_ten", {}, newId("req"))).id;
    const returned = now();
    await engine.result(id, 120);
    const ended = now();
    const marks = hooks.marks;
    if (i < 5) continue;
    samples.push({
      start: returned - began,
      first: marks[0]!.start - began,
      span: marks.at(-1)!.end - marks[0]!.start,
      end: ended - marks.at(-1)!.end,
      total: ended - began,
    });
  }
  const median = (key: keyof (typeof samples)[number]) => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    return Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(2));
  };
  process.stdout.write(
    `${JSON.stringify({
      n,
      startCallReturns: median("start"),
      firstHandlerStarts: median("first"),
      tenHandlersSpan: median("span"),
      endAfterLastHandler: median("end"),
      total: median("total"),
    })}\n`,
  );
} finally {
  await airlock.close();
}
process.exit(0);
