// What one queued single action sends to PostgreSQL, end to end: from the HTTP request through
// the worker's fetch, the run's execution and the job's completion. Every statement, on which
// connection, whether it waited for a round trip of its own, and which statements commit. Counted
// by wrapping `pg.Client.prototype.query` (Airlock's pool and pg-boss's) around one queued no-op
// after warm-up runs, with the bench server's worker count (16). Unlike a rate, these counts do
// not move with the machine's load. `node bench/queued-statements.ts` with DATABASE_URL set to a
// database it may migrate; `--runs N` averages N runs (default 5).
//
// A round trip: a statement issued when its connection had nothing outstanding (statements
// pipelined behind another on the same connection ride its round trip). A commit: COMMIT, or a
// write outside a transaction block that changed a row (it commits on its own, waiting for the
// WAL flush; one that found nothing to change, such as an empty fetch, writes nothing).
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
import { benchWorkspace } from "./workspace.ts";

process.noDeprecation = true;
const { values } = parseArgs({ options: { runs: { type: "string" }, print: { type: "boolean" } } });
const runs = Number(values.runs ?? 5);

interface Sent {
  client: number;
  pool: string;
  text: string;
  roundTrip: boolean;
  commit: boolean;
}

// On timers whatever the runs do: pg-boss's supervision and cron, the audit sealer, the metrics'
// gauges, heartbeats of jobs in flight. Listed apart, not counted.
const BACKGROUND = [
  /audit_seals|pg_snapshot_xip|COPY \(SELECT txid/,
  /engine_executors/,
  /schedule_id, schedule_name/,
  /FROM "dbos"\./,
  /pgboss\.(version|warning|schedule|subscription)|cron_on|monitor_on|maintained_on|heartbeat_on = now\(\)|queue_stats|failJobsBy|stately/i,
];
const sent: Sent[] = [];
let recording = false;
const ignored = new WeakSet<object>();
const ids = new WeakMap<object, number>();
let clients = 0;
const outstanding = new WeakMap<object, number>();
const inBlock = new WeakMap<object, boolean>();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const config = args[0];
  const text = typeof config === "string" ? config : String((config as { text?: string })?.text ?? "");
  if (!ids.has(this)) ids.set(this, ++clients);
  const pipelined = (this as unknown as { pipeline?: boolean }).pipeline === true;
  const busy = outstanding.get(this) ?? 0;
  const head = text.trim().toUpperCase();
  const begins = head.startsWith("BEGIN");
  const commits = head.startsWith("COMMIT");
  const write = /^(WITH[\s\S]*\b(INSERT|UPDATE|DELETE)\b|INSERT|UPDATE|DELETE)/.test(head);
  const block = inBlock.get(this) ?? false;
  const entry: Sent | null =
    recording && !ignored.has(this)
      ? {
          client: ids.get(this)!,
          pool:
            (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters
              .application_name ?? "?",
          text: text.replace(/\s+/g, " ").slice(0, 160),
          roundTrip: !pipelined || busy === 0,
          commit: commits,
        }
      : null;
  if (entry) sent.push(entry);
  const autocommitWrite = !block && !begins && write;
  if (begins) inBlock.set(this, true);
  if (commits || head.startsWith("ROLLBACK")) inBlock.set(this, false);
  outstanding.set(this, busy + 1);
  const done = () => outstanding.set(this, (outstanding.get(this) ?? 1) - 1);
  const settled = (answer: unknown) => {
    done();
    if (entry && autocommitWrite && ((answer as { rowCount?: number } | undefined)?.rowCount ?? 0) > 0)
      entry.commit = true;
  };
  // pg's pool passes a callback (and gets no promise back); direct callers get a promise.
  const last = args[args.length - 1];
  if (typeof last === "function")
    args[args.length - 1] = (error: unknown, answer: unknown) => {
      settled(answer);
      return (last as (e: unknown, a: unknown) => unknown)(error, answer);
    };
  const result = (original as (...a: unknown[]) => unknown).apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === "function")
    (result as Promise<unknown>).then(settled, done);
  else if (typeof last !== "function") done();
  return result as never;
} as typeof pg.Client.prototype.query;

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
ignored.add(probe);
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
    // Until pg-boss has recorded the job's completion, then a little longer for stragglers
    // (workers woken by the job's NOTIFY that found nothing).
    for (let i = 0; i < 200; i++) {
      const job = await probe.query("SELECT state FROM pgboss.job WHERE data ->> 'runId' = $1", [run.id]);
      if (job.rows[0]?.state === "completed") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 100));
  };
  for (let i = 0; i < 5; i++) await runOnce();
  const perRun: { statements: number; roundTrips: number; commits: number }[] = [];
  let background = 0;
  let last: Sent[] = [];
  for (let i = 0; i < runs; i++) {
    sent.length = 0;
    recording = true;
    await runOnce();
    recording = false;
    const timer = (s: Sent) => BACKGROUND.some((p) => p.test(s.text));
    const timerClients = new Set(sent.filter(timer).map((s) => s.client));
    const run = sent.filter(
      (s) => !timer(s) && !(timerClients.has(s.client) && /^(BEGIN|COMMIT)/i.test(s.text.trim())),
    );
    background += sent.length - run.length;
    perRun.push({
      statements: run.length,
      roundTrips: run.filter((s) => s.roundTrip).length,
      commits: run.filter((s) => s.commit).length,
    });
    last = run;
  }
  if (values.print ?? true) {
    const lines = last.map(
      (s) =>
        `${s.roundTrip ? "RT" : "  "} ${s.commit ? "C" : " "} ${s.pool.padEnd(15)} #${String(s.client).padStart(3)} ${s.text}`,
    );
    process.stdout.write(`${lines.join("\n")}\n`);
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
