// Schedules fire on real processes: three Airlock processes on one database, a schedule ticking
// every second (a floor only a test can set), and every tick starts exactly one run — no tick
// lost, none run twice, whichever process fires or runs it. Then downtime: every process stopped,
// one started again a few seconds later; a `catchUpOnce` schedule runs its latest missed tick once
// and a `skip` schedule runs none of them.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, test } from "node:test";
import pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { startTickProcess } from "../schedules/tick-processes.ts";
import { TICK_TABLE } from "../schedules/tick-workspace.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const SCHEDULES = "every_second:skip,caught_up:catchUpOnce";
let db: TestDatabase;
let pool: pg.Pool;
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await pool?.end();
  await db?.drop();
});

async function startProcess(url: string): Promise<ChildProcess> {
  return (await startTickProcess(children, { DATABASE_URL: url, TICK_SCHEDULES: SCHEDULES })).child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await gone;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tick {
  tick_at: Date;
  run_id: string | null;
  status: string;
  catch_up: boolean;
}
async function ticks(schedule: string): Promise<Tick[]> {
  const { rows } = await pool.query<Tick>(
    "SELECT tick_at, run_id, status, catch_up FROM airlock.schedule_ticks WHERE schedule = $1 ORDER BY tick_at",
    [schedule],
  );
  return rows;
}

test("3 processes, 20 ticks: 20 runs, each tick once; after downtime catchUpOnce runs one, skip none", async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on("error", () => {});
  const owner = await ownerClient(db.url);
  await owner.query(TICK_TABLE);
  await owner.end();

  const processes = await Promise.all([startProcess(db.url), startProcess(db.url), startProcess(db.url)]);
  // Ticks from the moment all three run: the window is 20 whole seconds after it.
  const from = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
  const to = new Date(from.getTime() + 20_000);
  const settled = Date.now();
  for (;;) {
    const done = (await ticks("every_second")).filter((t) => t.tick_at >= to);
    if (done.length > 0) break;
    if (Date.now() - settled > 120_000) throw new Error("the schedule stopped ticking");
    await sleep(500);
  }
  await sleep(3_000);
  const window = (await ticks("every_second")).filter((t) => t.tick_at >= from && t.tick_at < to);
  assert.equal(window.length, 20, "one recorded tick per second of the window");
  assert.ok(window.every((t) => t.status === "started" && t.run_id !== null));
  const runIds = window.map((t) => t.run_id!);
  const runs = await pool.query<{ id: string; status: string; idempotency_key: string; actor_id: string }>(
    `SELECT r.id, r.status, k.key AS idempotency_key, r.actor_id FROM airlock.runs r
       JOIN airlock.idempotency_keys k ON k.run_id = r.id WHERE r.id = ANY($1)`,
    [runIds],
  );
  assert.equal(runs.rows.length, 20, "20 runs");
  assert.ok(runs.rows.every((r) => r.status === "succeeded"));
  const service = await pool.query<{ id: string; kind: string }>(
    "SELECT id, kind FROM airlock.users WHERE name = 'ticker' AND kind = 'service'",
  );
  assert.ok(
    runs.rows.every((r) => r.actor_id === service.rows[0]!.id),
    "every run's actor is the service identity",
  );
  const keys = new Set(runs.rows.map((r) => r.idempotency_key));
  for (const t of window) assert.ok(keys.has(`schedule:every_second:${t.tick_at.toISOString()}`));
  const ledger = await pool.query<{ reference: string; pid: number }>(
    "SELECT reference, pid FROM public.tick_ledger WHERE label = 'every_second'",
  );
  // The handler's key is the actor's id and the run's key: `<service id>:schedule:<name>:<tick>`.
  const inWindow = ledger.rows.filter((r) => {
    const at = new Date(r.reference.split(":schedule:every_second:")[1] ?? "");
    return at >= from && at < to;
  });
  assert.equal(inWindow.length, 20, "20 effects: no tick ran twice");
  const pids = new Set(inWindow.map((r) => r.pid));
  console.log(`# 20 ticks on 3 processes: 20 runs, executed by ${pids.size} distinct process(es)`);

  // Downtime: every process stopped cleanly; a few ticks fall due with none running.
  await Promise.all(processes.map(stop));
  const lastSkip = (await ticks("every_second")).at(-1)!.tick_at;
  const lastCaught = (await ticks("caught_up")).at(-1)!.tick_at;
  await sleep(4_000);
  const restartAt = new Date();
  await startProcess(db.url);
  const waitedFrom = Date.now();
  while (!(await ticks("caught_up")).some((t) => t.catch_up) && Date.now() - waitedFrom < 60_000)
    await sleep(250);
  await sleep(2_000);
  const caught = (await ticks("caught_up")).filter((t) => t.tick_at > lastCaught);
  const catchUps = caught.filter((t) => t.catch_up);
  assert.equal(catchUps.length, 1, "one catch-up tick");
  const catchUp = catchUps[0]!;
  assert.ok(
    catchUp.tick_at.getTime() >= restartAt.getTime() - 1_000,
    "it is the latest tick due at the restart",
  );
  assert.equal(
    caught.filter((t) => t.tick_at < catchUp.tick_at).length,
    0,
    "the missed ticks before the latest one are not run",
  );
  assert.ok(catchUp.run_id, "the catch-up tick started a run");
  const skipped = (await ticks("every_second")).filter((t) => t.tick_at > lastSkip);
  assert.ok(skipped.length > 0, "the skip schedule ticks again after the restart");
  assert.ok(
    skipped.every((t) => t.tick_at.getTime() >= restartAt.getTime() - 1_000 && !t.catch_up),
    "no tick of the downtime ran for the skip schedule",
  );
});
