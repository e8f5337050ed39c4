// What one governed action step of a runbook sends to PostgreSQL: every statement, on which
// connection, whether it waited for its own round trip, and which statements commit. Counted by
// wrapping `pg.Client.prototype.query` (Airlock's pool and DBOS's), around one 10-step runbook of
// no-op inline actions after two warm-up runs; the statements between two steps' handlers are one
// step's. `node bench/runbook-statements.ts` with DATABASE_URL set to a database it may migrate.
//
// A round trip: a statement issued when its connection had nothing outstanding (statements
// pipelined behind another on the same connection ride its round trip). A commit: COMMIT, or a
// write outside a transaction block (it commits on its own, waiting for the WAL flush).
import pg from "pg";
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { newId } from "../src/ids/ids.ts";
import { migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { createBenchUser } from "./lib/bench-user.ts";
import { now, openBenchAirlock, type RunbookHooks, runbookBenchWorkspace } from "./runbook-steps.ts";

process.noDeprecation = true;
interface Sent {
  at: number;
  client: number;
  pool: string;
  text: string;
  roundTrip: boolean;
  commit: boolean;
}

const BACKGROUND = [
  /audit_seals|pg_snapshot_xip|COPY \(SELECT txid/,
  /engine_executors/,
  /schedule_id, schedule_name/,
  /FROM "dbos".workflow_status WHERE status = \$1 AND queue_name/,
  /pgboss\./,
];
const sent: Sent[] = [];
let recording = false;
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
  // The harness's own wait for the runbook's end (DBOS reads the workflow's row every 2 ms) is
  // not the step's.
  const poll = text.includes("COALESCE(wo.output, ws.output)");
  if (recording && !poll)
    sent.push({
      at: now(),
      client: ids.get(this)!,
      pool:
        (this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters
          .application_name ?? "?",
      text: text.replace(/\s+/g, " ").slice(0, 150),
      roundTrip: !pipelined || busy === 0,
      commit: commits || (!block && !begins && write),
    });
  if (begins) inBlock.set(this, true);
  if (commits || head.startsWith("ROLLBACK")) inBlock.set(this, false);
  outstanding.set(this, busy + 1);
  const done = () => outstanding.set(this, (outstanding.get(this) ?? 1) - 1);
  const result = (original as (...a: unknown[]) => unknown).apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === "function")
    (result as Promise<unknown>).then(done, done);
  else done();
  return result as never;
} as typeof pg.Client.prototype.query;

const url = process.env.DATABASE_URL!;
const hooks: RunbookHooks = { marks: [], afterAnswer: null };
await prepareDatabase(url, migrationSourcesFor(runbookBenchWorkspace(hooks)));
const airlock = await openBenchAirlock(url, hooks);
try {
  const pool = airlock.database.pool;
  const userId = await createBenchUser(pool);
  const principal = (await loadPrincipal(pool, userId, "session"))!;
  const engine = airlock.runbooks.engine()!;
  const span = { start: 0, end: 0 };
  const runOnce = async () => {
    hooks.marks.length = 0;
    span.start = now();
    const id = (await airlock.runbooks.start(principal, "bench_ten", {}, newId("req"))).id;
    await engine.result(id, 120, 2);
    span.end = now();
  };
  await runOnce();
  await runOnce();
  recording = true;
  await runOnce();
  recording = false;
  // One step: from the end of step 4's handler to the end of step 5's (steady state).
  const from = hooks.marks[4]!.end;
  const to = hooks.marks[5]!.end;
  const window = sent.filter((s) => s.at >= from && s.at < to);
  // What runs on a timer whatever the runbook does (heartbeat, DBOS's queue and scheduler polls,
  // the audit sealer) is not the step's: those statements, and the BEGIN/COMMIT of their clients.
  const timer = (s: Sent) => BACKGROUND.some((p) => p.test(s.text));
  const timerClients = new Set(window.filter(timer).map((s) => s.client));
  const step = window.filter(
    (s) => !timer(s) && !(timerClients.has(s.client) && /^(BEGIN|COMMIT)/i.test(s.text.trim())),
  );
  const background = window.length - step.length;
  const print = (list: Sent[]) =>
    list.map(
      (s) =>
        `${s.roundTrip ? "RT" : "  "} ${s.commit ? "C" : " "} ${s.pool.padEnd(15)} #${String(s.client).padStart(7)} ${s.text}`,
    );
  // The runbook's own statements around its steps: from the start call to the first handler, and
  // from the last handler's end to the workflow's end (the harness's poll for it left out).
  const anyTimerClient = new Set(sent.filter(timer).map((s) => s.client));
  const own = (a: number, b: number) =>
    sent.filter(
      (s) =>
        s.at >= a &&
        s.at < b &&
        !timer(s) &&
        !(anyTimerClient.has(s.client) && /^(BEGIN|COMMIT)/i.test(s.text.trim())),
    );
  const before = own(span.start, hooks.marks[0]!.start);
  const after = own(hooks.marks.at(-1)!.end, span.end);
  if (process.argv.includes("--around")) {
    process.stdout.write(`-- start → first step's handler\n${print(before).join("\n")}\n`);
    process.stdout.write(`-- last step's handler → the workflow's end\n${print(after).join("\n")}\n`);
  }
  process.stdout.write(`-- one step\n${print(step).join("\n")}\n`);
  const count = (list: Sent[]) => ({
    statements: list.length,
    roundTrips: list.filter((s) => s.roundTrip).length,
    commits: list.filter((s) => s.commit).length,
  });
  const byPool = Object.fromEntries(
    [...new Set(step.map((s) => s.pool))].map((p) => [p, count(step.filter((s) => s.pool === p))]),
  );
  process.stdout.write(
    `${JSON.stringify({ oneStep: count(step), byPool, background, beforeFirstStep: count(before), afterLastStep: count(after) })}\n`,
  );
} finally {
  await airlock.close();
}
process.exit(0);
