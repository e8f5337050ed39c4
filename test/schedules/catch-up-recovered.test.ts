// The catch-up race, forced: a process is stopped while a tick's workflow is still running (the
// tick's action is slow), so that workflow is left unfinished; after a downtime a new process
// starts, catches up the latest missed tick once, and recovers the unfinished workflow. The
// recovered tick is a missed one: it must not run (before the fix it did, beside the catch-up
// tick — two runs for one downtime, seen under load in the three-process test).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, test } from "node:test";
import pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTickProcess } from "./tick-processes.ts";
import { TICK_TABLE } from "./tick-workspace.ts";

let db: TestDatabase;
let pool: pg.Pool;
const children: ChildProcess[] = [];

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await pool?.end();
  await db?.drop();
});

async function startProcess(url: string, slowMs: number): Promise<ChildProcess> {
  const started = await startTickProcess(children, {
    DATABASE_URL: url,
    TICK_SCHEDULES: "caught_up:catchUpOnce",
    TICK_SLOW_MS: String(slowMs),
  });
  return started.child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ticks(): Promise<{ tick_at: Date; catch_up: boolean }[]> {
  const { rows } = await pool.query<{ tick_at: Date; catch_up: boolean }>(
    "SELECT tick_at, catch_up FROM airlock.schedule_ticks WHERE schedule = 'caught_up' ORDER BY tick_at",
  );
  return rows;
}

async function unfinishedTicks(): Promise<string[]> {
  const { rows } = await pool.query<{ workflow_uuid: string }>(
    "SELECT workflow_uuid FROM dbos.workflow_status WHERE workflow_uuid LIKE 'sched-caught_up-%' AND status = 'PENDING'",
  );
  return rows.map((r) => r.workflow_uuid);
}

test("a tick left unfinished by a stopped process is not run after the downtime; the catch-up tick runs once", async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on("error", () => {});
  const owner = await ownerClient(db.url);
  await owner.query(TICK_TABLE);
  await owner.end();

  // Each tick's action takes 3 s, ticks come every second: several are always in flight.
  const first = await startProcess(db.url, 3_000);
  const since = Date.now();
  while ((await ticks()).length === 0) {
    if (Date.now() - since > 60_000) throw new Error("the schedule never ticked");
    await sleep(250);
  }
  const gone = new Promise((r) => first.once("exit", r));
  first.kill("SIGTERM");
  await gone;
  const left = await unfinishedTicks();
  assert.ok(left.length > 0, "the stopped process left tick workflows unfinished");
  const lastRecorded = (await ticks()).at(-1)!.tick_at;

  await sleep(3_000);
  const restartAt = Date.now();
  await startProcess(db.url, 0);
  // The restarted process recovers the stopped one's workflows once it has beaten 5 s.
  const waited = Date.now();
  while ((await unfinishedTicks()).some((id) => left.includes(id)) && Date.now() - waited < 60_000)
    await sleep(250);
  assert.deepEqual(
    (await unfinishedTicks()).filter((id) => left.includes(id)),
    [],
    "the unfinished tick workflows were recovered",
  );
  await sleep(1_000);
  const after = (await ticks()).filter((t) => t.tick_at > lastRecorded);
  const catchUps = after.filter((t) => t.catch_up);
  assert.equal(catchUps.length, 1, "one catch-up tick");
  assert.ok(catchUps[0]!.tick_at.getTime() >= restartAt - 1_000, "it is the latest tick due at the restart");
  assert.deepEqual(
    after.filter((t) => t.tick_at < catchUps[0]!.tick_at).map((t) => t.tick_at.toISOString()),
    [],
    "no tick of the downtime ran, the recovered ones included",
  );
  console.log(`# ${left.length} unfinished tick workflow(s) recovered after the downtime, none run`);
});
