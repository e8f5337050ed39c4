// What one governed action step of a runbook sends to PostgreSQL: every statement, on which
// connection, whether it waited for its own round trip, and which statements commit. Counted by
// wrapping `pg.Client.prototype.query` (Airlock's pool and DBOS's), around one 10-step runbook of
// no-op inline actions after two warm-up runs; the statements between two steps' handlers are one
// step's. `node bench/runbook-statements.ts` with DATABASE_URL set to a database it may migrate.
// Round trips and commits as bench/lib/statement-log.ts counts them.
import { loadPrincipal } from "../src/identity/load-principal.ts";
import { newId } from "../src/ids/ids.ts";
import { migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { createBenchUser } from "./lib/bench-user.ts";
import { countStatements, type Sent, statementLines, statementLog } from "./lib/statement-log.ts";
import { now, openBenchAirlock, type RunbookHooks, runbookBenchWorkspace } from "./runbook-steps.ts";

process.noDeprecation = true;

const BACKGROUND = [
  /audit_seals|pg_snapshot_xip|COPY \(SELECT txid/,
  /engine_executors/,
  /schedule_id, schedule_name/,
  /FROM "dbos".workflow_status WHERE status = \$1 AND queue_name/,
  /pgboss\./,
];
const statements = statementLog();

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
    // Started in this process: its end is awaited on DBOS's handle, with no read of its row.
    await engine.result(id, 120);
    span.end = now();
  };
  await runOnce();
  await runOnce();
  statements.recording = true;
  await runOnce();
  statements.recording = false;
  const sent = statements.sent;
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
  const print = (list: Sent[]) => statementLines(list);
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
  const count = countStatements;
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
