// `npm run bench` (`-- --quick` for a 2-minute version): every figure measured side by side with
// its baseline in this one run, medians over rounds, written to bench/results/<time>.json.
// See docs/benchmarks.md for what each figure means and the goals in ../shared/performance.md.
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { createApiToken } from "../src/identity/api-tokens.ts";
import { createLogger } from "../src/observe/logger.ts";
import { createAirlock } from "../src/runtime/airlock.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import { measureBareCommits } from "./baseline.ts";
import { type LoadResult, measureGovernedAction } from "./governed-http.ts";
import { benchDatabase } from "./lib/bench-database.ts";
import { startJsonChild, stopChild } from "./lib/child.ts";
import { median, round } from "./lib/stats.ts";
import { measurePipelineCpu } from "./pipeline-cpu.ts";
import { measureStartup } from "./startup.ts";
import { benchWorkspace } from "./workspace.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean" }, only: { type: "string" } },
  allowPositionals: false,
});
const quick = values.quick ?? false;
const rounds = quick ? 1 : 3;
const seconds = quick ? 3 : 8;
const concurrencies = [1, 8, 32];
const only = values.only?.split(",");
const wants = (name: string) => !only || only.includes(name);

const started = Date.now();
const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", node: process.version };
const db = await benchDatabase();
console.log(
  `Airlock benchmark (${quick ? "quick" : "full"}): ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, PostgreSQL ${db.version}${db.embedded ? " (embedded)" : ""}`,
);
const results: Record<string, unknown> = {
  machine,
  postgres: db.version,
  embedded: db.embedded,
  quick,
  rounds,
  secondsPerMeasurement: seconds,
  at: new Date().toISOString(),
};

try {
  const { child, info } = await startJsonChild<{
    url: string;
    tokens: { operator: string; reviewer: string; reviewer2: string };
  }>(join(import.meta.dirname, "server.ts"), [], { DATABASE_URL: db.url });
  try {
    if (wants("throughput")) {
      const rows: Record<string, unknown>[] = [];
      for (const c of concurrencies) {
        const bare: number[] = [];
        const inline: LoadResult[] = [];
        const queued: LoadResult[] = [];
        for (let r = 0; r < rounds; r++) {
          bare.push((await measureBareCommits(db.url, c, seconds)).perSecond);
          inline.push(
            await measureGovernedAction(
              { url: info.url, token: info.tokens.operator },
              "noop_inline",
              c,
              seconds,
            ),
          );
          queued.push(
            await measureGovernedAction(
              { url: info.url, token: info.tokens.operator },
              "noop_queued",
              c,
              seconds,
            ),
          );
        }
        const row = {
          concurrency: c,
          bareCommitsPerSecond: round(median(bare), 0),
          inline: summarizeLoad(inline),
          queued: summarizeLoad(queued),
        };
        rows.push({
          ...row,
          inlineRatio: round(row.inline.perSecond / row.bareCommitsPerSecond, 3),
          queuedRatio: round(row.queued.perSecond / row.bareCommitsPerSecond, 3),
        });
        console.log(
          `  c=${String(c).padStart(2)}  bare ${fmt(row.bareCommitsPerSecond)}/s | inline ${fmt(row.inline.perSecond)}/s p50 ${row.inline.p50} ms p95 ${row.inline.p95} ms p99 ${row.inline.p99} ms (${pct(row.inline.perSecond / row.bareCommitsPerSecond)}) | queued ${fmt(row.queued.perSecond)}/s p50 ${row.queued.p50} ms p99 ${row.queued.p99} ms (${pct(row.queued.perSecond / row.bareCommitsPerSecond)})`,
        );
      }
      results.throughput = rows;
    }
  } finally {
    await stopChild(child);
  }

  if (wants("pipeline")) {
    const config = loadConfig({ DATABASE_URL: db.url, AIRLOCK_DEMO: "0", AIRLOCK_WORKER_CONCURRENCY: "0" });
    const log = createLogger({
      level: "warn",
      destination: pino.destination({ dest: "/dev/null", sync: true }),
    });
    const airlock = await createAirlock({
      config,
      workspace: compileWorkspace(benchWorkspace),
      databaseUrl: db.url,
      log,
    });
    try {
      const operator = await airlock.database.pool.query(
        "SELECT m.user_id FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id WHERE g.name = 'operators' LIMIT 1",
      );
      const userId = operator.rows[0].user_id as string;
      const { token } = await createApiToken(airlock.database.pool, {
        userId,
        name: "cpu",
        createdBy: userId,
      });
      const samples = [];
      for (let r = 0; r < rounds; r++)
        samples.push(await measurePipelineCpu(airlock, token, quick ? 20_000 : 50_000));
      const pipeline = {
        stages: samples[0]!.stages,
        cpuMicrosPerAction: round(median(samples.map((s) => s.cpuMicrosPerAction)), 1),
        wallMicrosPerAction: round(median(samples.map((s) => s.wallMicrosPerAction)), 1),
        tokenLookupCpuMicros: round(median(samples.map((s) => s.tokenLookupCpuMicros)), 1),
      };
      results.pipeline = pipeline;
      console.log(
        `  checks before the handler: ${pipeline.cpuMicrosPerAction} µs CPU per action (+ token lookup ${pipeline.tokenLookupCpuMicros} µs CPU, one query)`,
      );
    } finally {
      await airlock.close();
    }
  }

  if (wants("startup")) {
    const startup = await measureStartup(quick ? 2 : 3);
    results.startup = {
      coldMs: round(startup.coldMs, 0),
      warmMs: startup.warmMs.map((m) => round(m, 0)),
      warmMedianMs: round(median(startup.warmMs), 0),
    };
    console.log(
      `  npm start → /readyz 200: warm median ${round(median(startup.warmMs), 0)} ms (first start ${round(startup.coldMs, 0)} ms)`,
    );
  }
} finally {
  await db.close();
}

results.durationSeconds = round((Date.now() - started) / 1000, 1);
const file = join(import.meta.dirname, "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nWrote ${file} (${results.durationSeconds} s)`);

function summarizeLoad(samples: LoadResult[]) {
  return {
    perSecond: round(median(samples.map((s) => s.perSecond)), 0),
    p50: round(median(samples.map((s) => s.p50)), 2),
    p95: round(median(samples.map((s) => s.p95)), 2),
    p99: round(median(samples.map((s) => s.p99)), 2),
    non2xx: samples.reduce(
      (n, s) =>
        n +
        Object.entries(s.statuses)
          .filter(([code]) => !code.startsWith("2"))
          .reduce((m, [, v]) => m + v, 0),
      0,
    ),
    errors: samples.reduce((n, s) => n + s.errors + s.timeouts, 0),
  };
}

function fmt(n: number) {
  return String(Math.round(n)).padStart(5);
}

function pct(ratio: number) {
  return `${Math.round(ratio * 100)}% of bare`;
}
