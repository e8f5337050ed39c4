// What one queued single action sends to PostgreSQL, end to end: from the HTTP request through
// the worker's fetch, the run's execution and the job's completion. Every statement, on which
// connection, whether it waited for a round trip of its own, and which statements commit. Counted
// by wrapping `pg.Client.prototype.query` (Airlock's pool and pg-boss's) around one queued no-op
// after warm-up runs, with the bench server's worker count (16). Unlike a rate, these counts do
// not move with the machine's load. `node bench/queued-statements.ts` with DATABASE_URL set to a
// database it may migrate; `--runs N` averages N runs (default 5).
// Round trips and commits as bench/lib/statement-log.ts counts them.
import { parseArgs } from "node:util";
import pg from "pg";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { createApiToken } from "../src/identity/api-tokens.ts";
import { newId } from "../src/ids/ids.ts";
import { createLogger } from "../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import { countStatements, type Sent, statementLines, statementLog } from "./lib/statement-log.ts";
import { benchWorkspace } from "./workspace.ts";

process.noDeprecation = true;
const { values } = parseArgs({ options: { runs: { type: "string" }, print: { type: "boolean" } } });
const runs = Number(values.runs ?? 5);

// On timers whatever the runs do: pg-boss's supervision and cron, the audit sealer, the metrics'
// gauges, heartbeats of jobs in flight. Listed apart, not counted.
const BACKGROUND = [
  /audit_seals|pg_snapshot_xip|COPY \(SELECT txid/,
  /engine_executors/,
  /schedule_id, schedule_name/,
  /FROM "dbos"\./,
  /pgboss\.(version|warning|schedule|subscription)|cron_on|monitor_on|maintained_on|heartbeat_on = now\(\)|queue_stats|failJobsBy|stately/i,
];
const statements = statementLog();

const url = process.env.DATABASE_URL!;
const workspace = compileWorkspace(benchWorkspace);
await prepareDatabase(url, migrationSourcesFor(workspace));
const config = loadConfig({
  DATABASE_URL: url,
  AIRLOCK_DEMO: "0",
  AIRLOCK_WORKER_CONCURRENCY: process.env.BENCH_WORKERS ?? "16",
});
const log = createLogger({ level: "warn", destination: pino.destination({ dest: "/dev/null", sync: true }) });
const airlock = await createAirlock({ config, workspace, databaseUrl: url, log });
const probe = new pg.Client({ connectionString: url });
statements.ignore(probe);
await probe.connect();
try {
  const pool = airlock.database.pool;
  const userId = newId("usr");
  await pool.query("INSERT INTO airlock.users (id, kind, email, name) VALUES ($1, 'human', $2, $2)", [
    userId,
    `${userId}@bench.local`,
  ]);
  await pool.query(
    "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $1 FROM airlock.groups WHERE name = 'operators'",
    [userId],
  );
  const { token } = await createApiToken(pool, { userId, name: "statements", createdBy: userId });
  let n = 0;
  const runOnce = async () => {
    const response = await airlock.app.request("/api/v1/actions/noop_queued/runs", {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "idempotency-key": `statements-${process.pid}-${n++}`,
      },
      body: JSON.stringify({ params: { accountId: "acc_bench", amountCents: 1250 } }),
    });
    const run = (await response.json()) as { id: string; status: string };
    if (run.status !== "succeeded") throw new Error(`the queued run ended ${JSON.stringify(run)}`);
    // Until the job is settled (removed with the run's end, or completed), then a little longer
    // for stragglers (workers woken by the job's NOTIFY that found nothing).
    for (let i = 0; i < 200; i++) {
      const job = await probe.query("SELECT state FROM pgboss.job WHERE data ->> 'runId' = $1", [run.id]);
      if (job.rows.length === 0 || job.rows[0]?.state === "completed") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 100));
  };
  for (let i = 0; i < 5; i++) await runOnce();
  const perRun: { statements: number; roundTrips: number; commits: number }[] = [];
  let background = 0;
  let last: Sent[] = [];
  for (let i = 0; i < runs; i++) {
    statements.sent.length = 0;
    statements.recording = true;
    await runOnce();
    statements.recording = false;
    const sent = statements.sent;
    const timer = (s: Sent) => BACKGROUND.some((p) => p.test(s.text));
    const timerClients = new Set(sent.filter(timer).map((s) => s.client));
    const run = sent.filter(
      (s) => !timer(s) && !(timerClients.has(s.client) && /^(BEGIN|COMMIT)/i.test(s.text.trim())),
    );
    background += sent.length - run.length;
    perRun.push(countStatements(run));
    last = run;
  }
  if (values.print ?? true) {
    process.stdout.write(`${statementLines(last, 160).join("\n")}\n`);
  }
  const mean = (key: keyof (typeof perRun)[number]) =>
    Math.round((perRun.reduce((a, r) => a + r[key], 0) / perRun.length) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      runs,
      perRun: { statements: mean("statements"), roundTrips: mean("roundTrips"), commits: mean("commits") },
      each: perRun,
      background,
    })}\n`,
  );
} finally {
  await probe.end();
  await airlock.close();
}
process.exit(0);
