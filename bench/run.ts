// `npm run bench` (`-- --quick` for a 2-minute version): every figure measured side by side with
// its baseline in this one run, medians over rounds, written to bench/results/<time>.json.
// See docs/benchmarks.md for what each figure means and the goals in ../shared/performance.md.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { createApiToken } from "../src/identity/api-tokens.ts";
import { newId } from "../src/ids/ids.ts";
import { createLogger } from "../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import { measureApprovalLatency } from "./approval-latency.ts";
import { measureAuditScale } from "./audit-scale.ts";
import { measureBareCommits } from "./baseline.ts";
import { measureBulk } from "./bulk.ts";
import { type LoadResult, measureGovernedAction } from "./governed-http.ts";
import { benchDatabase } from "./lib/bench-database.ts";
import { startJsonChild, stopChild } from "./lib/child.ts";
import { median, round } from "./lib/stats.ts";
import { measurePipelineCpu } from "./pipeline-cpu.ts";
import { measureQueued } from "./queued.ts";
import { benchRunbooks } from "./runbook-steps.ts";
import { measureStartup } from "./startup.ts";
import { benchWorkspace } from "./workspace.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    only: { type: "string" },
    // Audit trail sizes to measure, e.g. `--audit-events 1000000,10000000` (default by mode).
    "audit-events": { type: "string" },
    // Inline actions before the first and the second RSS reading (default by mode).
    "memory-actions": { type: "string" },
  },
  allowPositionals: false,
});
const quick = values.quick ?? false;
const rounds = quick ? 1 : 3;
const seconds = quick ? 3 : 8;
const concurrencies = [1, 8, 32];
const only = values.only?.split(",");
const wants = (name: string) => !only || only.includes(name);

const started = Date.now();
const memoryFile = join(tmpdir(), `airlock-bench-memory-${process.pid}.json`);
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
  const { child, info } =
    wants("throughput") || wants("approval") || wants("memory") || wants("limits") || wants("queued")
      ? await startJsonChild<BenchServer>(
          join(import.meta.dirname, "server.ts"),
          [],
          { DATABASE_URL: db.url, BENCH_MEMORY_FILE: memoryFile },
          ["--expose-gc"],
        )
      : { child: null, info: null };
  // The two baselines behind a framework-free HTTP front, each in its own process, started after
  // the Airlock server (they read its tokens): the HTTP floor and a one-step DBOS workflow.
  const baselines: { name: "floor" | "dbos"; child: ChildProcess; url: string }[] = [];
  try {
    if (wants("throughput") && info) {
      for (const name of ["floor", "dbos"] as const) {
        const started = await startJsonChild<{ url: string }>(
          join(import.meta.dirname, `${name}-server.ts`),
          [],
          { DATABASE_URL: db.url },
        );
        baselines.push({ name, child: started.child, url: started.info.url });
      }
    }

    if (wants("throughput") && info) {
      const rows: Record<string, unknown>[] = [];
      for (const c of concurrencies) {
        const bare: number[] = [];
        const floor: LoadResult[] = [];
        const dbos: LoadResult[] = [];
        const inline: LoadResult[] = [];
        const queued: LoadResult[] = [];
        for (let r = 0; r < rounds; r++) {
          bare.push((await measureBareCommits(db.url, c, seconds)).perSecond);
          for (const baseline of baselines)
            (baseline.name === "floor" ? floor : dbos).push(
              await measureGovernedAction(
                { url: baseline.url, token: info.tokens.operator },
                "noop_inline",
                c,
                seconds,
              ),
            );
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
          floor: summarizeLoad(floor),
          dbos: summarizeLoad(dbos),
          inline: summarizeLoad(inline),
          queued: summarizeLoad(queued),
        };
        rows.push({
          ...row,
          inlineRatio: round(row.inline.perSecond / row.bareCommitsPerSecond, 3),
          inlineToFloor: round(row.inline.perSecond / row.floor.perSecond, 3),
          dbosToFloor: round(row.dbos.perSecond / row.floor.perSecond, 3),
          inlineToDbos: round(row.inline.perSecond / row.dbos.perSecond, 3),
          addedOverFloor: {
            p50: round(row.inline.p50 - row.floor.p50, 2),
            p99: round(row.inline.p99 - row.floor.p99, 2),
          },
          queuedRatio: round(row.queued.perSecond / row.bareCommitsPerSecond, 3),
        });
        console.log(
          `  c=${String(c).padStart(2)}  HTTP floor ${fmt(row.floor.perSecond)}/s p50 ${row.floor.p50} ms p99 ${row.floor.p99} ms | DBOS 1-step ${fmt(row.dbos.perSecond)}/s p50 ${row.dbos.p50} ms p99 ${row.dbos.p99} ms (${pctOf(row.dbos.perSecond, row.floor.perSecond, "floor")})`,
        );
        console.log(
          `        Airlock inline ${fmt(row.inline.perSecond)}/s = ${pctOf(row.inline.perSecond, row.floor.perSecond, "floor")}, ${round(row.inline.perSecond / row.dbos.perSecond, 2)}× DBOS; added over the floor p50 ${round(row.inline.p50 - row.floor.p50, 2)} ms p99 ${round(row.inline.p99 - row.floor.p99, 2)} ms`,
        );
        console.log(
          `        bare ${fmt(row.bareCommitsPerSecond)}/s | inline ${fmt(row.inline.perSecond)}/s p50 ${row.inline.p50} ms p95 ${row.inline.p95} ms p99 ${row.inline.p99} ms (${pct(row.inline.perSecond / row.bareCommitsPerSecond)}) | queued ${fmt(row.queued.perSecond)}/s p50 ${row.queued.p50} ms p99 ${row.queued.p99} ms (${pct(row.queued.perSecond / row.bareCommitsPerSecond)})`,
        );
      }
      results.throughput = rows;
    }

    if (wants("limits") && info) {
      // What an action's rates cost (docs/resources.md, "Limits"): the same inline no-op with and
      // without `perMinute` and `perActor` (never reached), alternated in each round at c = 8.
      // The sliding window is counted per admission, so the cost grows with the admissions in the
      // last minute: the figure names how many there were.
      const plain: LoadResult[] = [];
      const limited: LoadResult[] = [];
      for (let r = 0; r < rounds; r++) {
        plain.push(
          await measureGovernedAction(
            { url: info.url, token: info.tokens.operator },
            "noop_inline",
            8,
            seconds,
          ),
        );
        limited.push(
          await measureGovernedAction(
            { url: info.url, token: info.tokens.operator },
            "noop_inline_limited",
            8,
            seconds,
          ),
        );
      }
      const row = { plain: summarizeLoad(plain), limited: summarizeLoad(limited) };
      const inWindow = Math.round(row.limited.perSecond * Math.min(seconds, 60));
      results.limits = { ...row, ratio: round(row.limited.perSecond / row.plain.perSecond, 3), inWindow };
      console.log(
        `  limits (c=8): rate-limited inline ${fmt(row.limited.perSecond)}/s p50 ${row.limited.p50} ms p99 ${row.limited.p99} ms vs the same without limits ${fmt(row.plain.perSecond)}/s p50 ${row.plain.p50} ms (${Math.round((row.limited.perSecond / row.plain.perSecond) * 100)}%), with about ${fmtCount(inWindow)} admissions in the window`,
      );
    }

    if (wants("queued") && info) {
      // Queued single actions (bench/queued.ts): enqueue → handler start at c = 1, then queued
      // beside inline runs alternated in each round (goal: queued ≥ 50% of inline at c = 8).
      const q = await measureQueued(info, db.url, {
        rounds,
        seconds,
        count: quick ? 100 : 300,
        concurrencies: [1, 8],
      });
      const throughput = q.throughput.map((row) => {
        const inline = summarizeLoad(row.inline);
        const queued = summarizeLoad(row.queued);
        return {
          concurrency: row.concurrency,
          inline,
          queued,
          ratio: round(queued.perSecond / inline.perSecond, 3),
        };
      });
      const latency = {
        n: q.latency.n,
        toHandler: roundStat(q.latency.toHandler),
        toStartedAt: roundStat(q.latency.toStartedAt),
        request: roundStat(q.latency.request),
      };
      results.queued = { latency, throughput };
      console.log(
        `  queued, enqueue → handler start (c=1, n=${latency.n}): p50 ${latency.toHandler.p50} ms p99 ${latency.toHandler.p99} ms (goal p50 ≤ 10 ms) | → started_at p50 ${latency.toStartedAt.p50} ms | request → response p50 ${latency.request.p50} ms p99 ${latency.request.p99} ms`,
      );
      for (const row of throughput)
        console.log(
          `  queued c=${String(row.concurrency).padStart(2)}: ${fmt(row.queued.perSecond)}/s p50 ${row.queued.p50} ms p99 ${row.queued.p99} ms vs inline ${fmt(row.inline.perSecond)}/s p50 ${row.inline.p50} ms (${Math.round(row.ratio * 100)}% of inline${row.concurrency === 8 ? ", goal ≥ 50%" : ""})`,
        );
    }

    if (wants("memory") && info) {
      // The server's resident memory after many inline actions and again after three times as
      // many (goal: flat within ±10%), at c = 8. Each reading follows a pause of 2 s so
      // that buffers in flight settle; RSS includes V8's heap, pg's buffers and the log buffer.
      const [first, total] = (values["memory-actions"]?.split(",").map(Number) ??
        (quick ? [10_000, 30_000] : [100_000, 300_000])) as [number, number];
      const rss = () => {
        const status = readFileSync(`/proc/${info.pid}/status`, "utf8");
        return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
      };
      // The V8 heap still in use after a full GC in the server (see bench/server.ts).
      const liveHeap = async () => {
        rmSync(memoryFile, { force: true });
        process.kill(info.pid, "SIGUSR2");
        for (let i = 0; i < 100 && !existsSync(memoryFile); i++) await new Promise((r) => setTimeout(r, 50));
        return (JSON.parse(readFileSync(memoryFile, "utf8")) as { heapUsed: number }).heapUsed / 1048576;
      };
      const startMB = rss();
      const startHeapMB = await liveHeap();
      const drive = async (amount: number) => {
        const load = await measureGovernedAction(
          { url: info.url, token: info.tokens.operator },
          "noop_inline",
          8,
          0,
          amount,
        );
        await new Promise((r) => setTimeout(r, 2_000));
        return load;
      };
      const a = await drive(first);
      const afterFirstMB = rss();
      const afterFirstHeapMB = await liveHeap();
      const b = await drive(total - first);
      const afterTotalMB = rss();
      const afterTotalHeapMB = await liveHeap();
      results.memory = {
        startMB: round(startMB, 1),
        actions: [first, total],
        rssMB: [round(afterFirstMB, 1), round(afterTotalMB, 1)],
        growth: round(afterTotalMB / afterFirstMB - 1, 3),
        heapAfterGcMB: [round(startHeapMB, 1), round(afterFirstHeapMB, 1), round(afterTotalHeapMB, 1)],
        perSecond: [round(a.perSecond, 0), round(b.perSecond, 0)],
        non2xx: [a, b].reduce((n, s) => n + (s.requests - (s.statuses["200"] ?? 0)), 0),
      };
      console.log(
        `  server RSS: ${round(startMB, 0)} MB at start, ${round(afterFirstMB, 0)} MB after ${fmtCount(first)} inline actions, ${round(afterTotalMB, 0)} MB after ${fmtCount(total)} (${afterTotalMB >= afterFirstMB ? "+" : ""}${round((afterTotalMB / afterFirstMB - 1) * 100, 1)}%, goal within ±10%); V8 heap in use after a full GC ${round(startHeapMB, 1)} / ${round(afterFirstHeapMB, 1)} / ${round(afterTotalHeapMB, 1)} MB`,
      );
    }

    if (wants("approval") && info) {
      const count = quick ? 30 : 200;
      const approval = [];
      for (const action of ["gated", "gated_quorum2"] as const) {
        const a = await measureApprovalLatency(info, db.url, { action, count });
        approval.push(a);
        console.log(
          `  approval → execution started (quorum ${a.quorum}, n=${a.n}): p50 ${a.toStarted.p50} ms p95 ${a.toStarted.p95} ms p99 ${a.toStarted.p99} ms (goal p50 ≤ 50 ms) | → finished p50 ${a.toFinished.p50} ms p99 ${a.toFinished.p99} ms | approve call p50 ${a.approveCall.p50} ms | decided_at → started_at p50 ${a.decidedToStarted.p50} ms, of which approval.approved written → started_at p50 ${a.approvedToStarted.p50} ms`,
        );
      }
      results.approval = approval;
    }
  } finally {
    for (const baseline of baselines) await stopChild(baseline.child);
    if (child) await stopChild(child);
  }

  if (wants("pipeline")) {
    const config = loadConfig({ DATABASE_URL: db.url, AIRLOCK_DEMO: "0", AIRLOCK_WORKER_CONCURRENCY: "0" });
    const log = createLogger({
      level: "warn",
      destination: pino.destination({ dest: "/dev/null", sync: true }),
    });
    // Migrated here too: with `--only pipeline` no bench server has prepared the database.
    await prepareDatabase(db.url, migrationSourcesFor(compileWorkspace(benchWorkspace)));
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
      // With `--only pipeline` there is no bench server to have made one: make it here.
      let userId = operator.rows[0]?.user_id as string | undefined;
      if (!userId) {
        userId = newId("usr");
        await airlock.database.pool.query(
          "INSERT INTO airlock.users (id, kind, email, name) VALUES ($1, 'human', $2, $2)",
          [userId, `${userId}@bench.local`],
        );
        await airlock.database.pool.query(
          "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $1 FROM airlock.groups WHERE name = 'operators'",
          [userId],
        );
      }
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
        cachedTokenCpuMicros: round(median(samples.map((s) => s.cachedTokenCpuMicros)), 1),
      };
      results.pipeline = pipeline;
      console.log(
        `  checks before the handler: ${pipeline.cpuMicrosPerAction} µs CPU per action (+ token lookup ${pipeline.tokenLookupCpuMicros} µs CPU, one query; from the token cache ${pipeline.cachedTokenCpuMicros} µs, a read of the credentials' version)`,
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

  if (wants("runbooks")) {
    // Runbooks beside DBOS's bare workflows, on a database of their own, in a process of their own
    // (bench/runbook-steps.ts).
    const target = await db.another("runbooks");
    results.runbooks = await benchRunbooks(target.url, { quick, report: (line) => console.log(`  ${line}`) });
    await target.drop();
  }

  // Opt-in (`--only bulk`): a 10,000-item batch against 10,000 single inline actions.
  if (only?.includes("bulk")) {
    const bulk = await measureBulk(db, { items: 10_000, concurrency: 4 });
    results.bulk = bulk;
    console.log(
      `  bulk batch of ${fmtCount(bulk.items)} inline no-ops at c = ${bulk.concurrency}: ${fmt(bulk.batchPerSecond)} items/s vs ${fmt(bulk.singlePerSecond)}/s single inline (${Math.round(bulk.ratio * 100)}% of single inline, goal ≥ 70%); RSS ${bulk.rssMB.before} → ${bulk.rssMB.after} MB`,
    );
  }

  if (wants("audit")) {
    // The goal is stated over 10M events, but loading, indexing, sealing and verifying 10M take
    // longer than the whole 10-minute run on 2 cores (measured): the full run measures 1M and 3M
    // and prints an estimate for 10M; `--audit-events 10000000` measures it alone.
    const explicit = values["audit-events"]?.split(",").map((n) => Number(n.replace(/_/g, "")));
    if (explicit?.some((n) => !Number.isInteger(n) || n < 1))
      throw new Error(
        `--audit-events: whole numbers of events, comma-separated (got ${values["audit-events"]})`,
      );
    results.audit = await measureAuditScale(db, {
      scales: explicit ?? (quick ? [1_000_000] : [1_000_000, 3_000_000]),
      searchesPerKind: 100,
      verifyRounds: quick ? 1 : rounds,
      report: (line) => console.log(`  ${line}`),
      ...(explicit || quick ? {} : { extrapolateTo: 10_000_000 }),
    });
  }
} finally {
  await db.close();
}

results.durationSeconds = round((Date.now() - started) / 1000, 1);
const file = join(import.meta.dirname, "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nWrote ${file} (${results.durationSeconds} s)`);

interface BenchServer {
  url: string;
  pid: number;
  tokens: { operator: string; reviewer: string; reviewer2: string; auditor: string };
}

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

function roundStat(stat: { n: number; p50: number; p95: number; p99: number; max: number }) {
  return {
    n: stat.n,
    p50: round(stat.p50, 2),
    p95: round(stat.p95, 2),
    p99: round(stat.p99, 2),
    max: round(stat.max, 2),
  };
}

function fmtCount(n: number) {
  return n >= 1000 ? `${n / 1000}k` : String(n);
}

function fmt(n: number) {
  return String(Math.round(n)).padStart(5);
}

function pctOf(value: number, of: number, name: string) {
  return `${Math.round((value / of) * 100)}% of ${name}`;
}

function pct(ratio: number) {
  return `${Math.round(ratio * 100)}% of bare`;
}
