// A schedule change made by one process reaches another process's scheduler loop, at the polling
// interval Airlock configures (1 s), not DBOS's default (30 s). DBOS polls every second anyway in
// a process's first minute, which would hide a return to 30 s: both processes here are started
// with that startup window removed (`steady-poll.ts`), so they poll as they do after their first
// minute.
//
// Process A runs `every_second` ticking every second. Process B starts with a changed definition
// of it (every even second) — a deploy of a new version beside an old one — and its start applies
// the new timing: A's loop follows (the odd seconds stop). An admin pauses the schedule through B:
// both loops stop firing. The admin resumes it through B and B is killed at once: A's loop, told
// only by the database, fires again, on the even seconds. Each change's delay is printed and
// bounded by 8 s (a 30 s poll cannot see all three: they fall within ~15 s of each other).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, test } from "node:test";
import pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser } from "../support/users.ts";
import { holdTickProcess, startTickProcess } from "./tick-processes.ts";
import { TICK_TABLE } from "./tick-workspace.ts";

let db: TestDatabase;
let pool: pg.Pool;
const children: ChildProcess[] = [];
const BOUND_MS = 8_000;

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await pool?.end();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ticks recorded by the tick body (whichever process ran it), after `at`. */
async function ticksAfter(at: Date): Promise<{ at: Date; pid: number }[]> {
  const { rows } = await pool.query<{ tick_at: Date; pid: number }>(
    `SELECT t.tick_at, l.pid FROM airlock.schedule_ticks t
       JOIN public.tick_ledger l ON l.reference LIKE '%:schedule:every_second:' || to_char(t.tick_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      WHERE t.schedule = 'every_second' AND t.tick_at > $1 ORDER BY t.tick_at`,
    [at],
  );
  return rows.map((r) => ({ at: r.tick_at, pid: r.pid }));
}

/** The latest tick a scheduler loop fired (DBOS's workflow per tick), whether or not it ran. */
async function lastFired(): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    "SELECT workflow_uuid AS id FROM dbos.workflow_status WHERE workflow_uuid LIKE 'sched-every_second-%' ORDER BY workflow_uuid DESC LIMIT 1",
  );
  return rows[0] ? Date.parse(rows[0].id.slice("sched-every_second-".length)) : 0;
}

const odd = (at: Date) => (at.getTime() / 1000) % 2 === 1;

test("a changed definition, a pause and a resume made by one process reach another's scheduler loop within seconds", async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on("error", () => {});
  const owner = await ownerClient(db.url);
  await owner.query(TICK_TABLE);
  await owner.end();
  const steady = { steadyPoll: true };

  // B is loaded beside A's start (most of a process's start under load) and started later.
  const [a, heldB] = await Promise.all([
    startTickProcess(children, { DATABASE_URL: db.url, TICK_SCHEDULES: "every_second:skip" }, steady),
    holdTickProcess(
      children,
      { DATABASE_URL: db.url, TICK_SCHEDULES: "every_second:skip:*/2 * * * * *", TICK_HTTP: "1" },
      steady,
    ),
  ]);
  const ticking = Date.now();
  while (!(await ticksAfter(new Date(0))).some((t) => odd(t.at))) {
    if (Date.now() - ticking > 60_000) {
      const recorded = await pool.query("SELECT count(*)::int AS n FROM airlock.schedule_ticks");
      throw new Error(
        `the schedule never ticked on an odd second (ticks recorded: ${recorded.rows[0].n}, last fired: ${await lastFired()})`,
      );
    }
    await sleep(250);
  }

  // B's start applies the new timing. Every odd tick after this is fired by A's loop alone.
  const b = await heldB.start();
  const appliedAt = new Date();
  let lastOdd = appliedAt.getTime();
  for (;;) {
    const after = await ticksAfter(appliedAt);
    const odds = after.filter((t) => odd(t.at));
    if (odds.length > 0) lastOdd = odds.at(-1)!.at.getTime();
    // Two even ticks after the last odd one: 3 s without an odd second, A has switched.
    if (after.filter((t) => t.at.getTime() > lastOdd).length >= 2) break;
    assert.ok(Date.now() - appliedAt.getTime() < 30_000, "A's loop never took up the new definition");
    await sleep(250);
  }
  const switched = lastOdd - appliedAt.getTime();
  assert.ok(switched <= BOUND_MS, `A fired the old timing ${switched} ms after B applied the new one`);

  const admin = await createUser(pool, { groups: ["admins"] });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${b.apiUrl}${path}`, {
      method: "POST",
      headers: { ...admin.headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  };
  await post("/api/v1/schedules/every_second/pause", { reason: "propagation test" });
  const pausedAt = Date.now();
  // Stopped: no loop has fired a tick for 2 s (the ticks of a paused schedule are fired and
  // skipped by the tick body until each loop learns of the pause; then they are not fired at all).
  while (Date.now() - Math.max(pausedAt, await lastFired()) < 2_000) {
    assert.ok(Date.now() - pausedAt < 30_000, "the scheduler loops never stopped firing");
    await sleep(250);
  }
  const stopped = Math.max(0, (await lastFired()) - pausedAt);
  assert.ok(stopped <= BOUND_MS, `a loop fired ticks ${stopped} ms after the pause`);

  await post("/api/v1/schedules/every_second/resume", {});
  const resumedAt = new Date();
  const gone = new Promise((r) => b.child.once("exit", r));
  b.child.kill("SIGKILL");
  await gone;
  let resumed: { at: Date; pid: number }[] = [];
  while (resumed.length < 2) {
    assert.ok(
      Date.now() - resumedAt.getTime() < 30_000,
      "A never ticked again after the resume made through B",
    );
    resumed = await ticksAfter(resumedAt);
    await sleep(100);
  }
  const again = resumed[0]!.at.getTime() - resumedAt.getTime();
  assert.ok(again <= BOUND_MS, `A's first tick came ${again} ms after the resume`);
  assert.deepEqual(
    resumed.filter((t) => odd(t.at) || t.pid !== a.child.pid),
    [],
    "after the resume, the ticks are A's, on the new (even-second) timing",
  );
  console.log(
    `# B's new definition → A's loop on it: ${switched} ms; pause through B → loops stopped: ${stopped} ms; resume through B (then killed) → A's first tick: ${again} ms (tick times; loaded machine)`,
  );
  assert.equal(a.child.exitCode, null, "process A is alive");
});
