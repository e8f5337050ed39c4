// A database outage while the processes keep running: three Airlock processes on their own
// embedded PostgreSQL, a `catchUpOnce` and a `skip` schedule ticking every 20 s. The postmaster is
// killed (SIGKILL) two seconds before a tick and started again more than a minute later
// (`LATE_TICK_MS`), so four ticks fall due with nothing able to write them. No process restarts.
// When the processes reach the database again, the `catchUpOnce` schedule runs the latest tick
// due then, once (one effect) though three processes catch up at once and DBOS's loops fire the
// ticks they owe, and none of the earlier ones; the `skip` schedule runs none of the earlier ones
// either. Before the catch-up pass on reconnect, the two or three ticks less than a minute late ran.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, test } from "node:test";
import pg from "pg";
import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS } from "../../src/store/migrate.ts";
import { type OwnPostgres, startOwnPostgres } from "../reliability/cluster.ts";
import { startTickProcess } from "./tick-processes.ts";
import { TICK_TABLE } from "./tick-workspace.ts";

const EVERY_MS = 20_000;
const CRON = "*/20 * * * * *";
const children: ChildProcess[] = [];
let database: OwnPostgres | null = null;
let pool: pg.Pool | null = null;

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await pool?.end().catch(() => {});
  await database?.remove();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tick {
  tick_at: Date;
  run_id: string | null;
  status: string;
  catch_up: boolean;
}

async function ticks(schedule: string): Promise<Tick[]> {
  const { rows } = await pool!.query<Tick>(
    "SELECT tick_at, run_id, status, catch_up FROM airlock.schedule_ticks WHERE schedule = $1 ORDER BY tick_at",
    [schedule],
  );
  return rows;
}

async function untilTicked(schedule: string, at: Date): Promise<void> {
  const since = Date.now();
  while (!(await ticks(schedule).catch(() => [])).some((t) => t.tick_at >= at)) {
    if (Date.now() - since > 90_000) throw new Error(`${schedule} did not tick at ${at.toISOString()}`);
    await sleep(250);
  }
}

// Longer than the suite's 3 minutes per test: up to 20 s to the first tick, 5–25 s to the outage,
// 67 s of it, then up to 90 s of DBOS's retry backoff before its loops fire (145–173 s measured).
test("ticks missed in a database outage of over a minute, every process running: catchUpOnce runs the latest once, skip none of the earlier", {
  timeout: 300_000,
}, async () => {
  database = await startOwnPostgres();
  await prepareDatabase(database.url, [AIRLOCK_MIGRATIONS]);
  const setup = await ownerClient(database.url);
  await setup.query(`${TICK_TABLE} CHECKPOINT;`);
  await setup.end();
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on("error", () => {});

  const env = {
    DATABASE_URL: database.url,
    TICK_SCHEDULES: `caught_up:catchUpOnce:${CRON},skipped:skip:${CRON}`,
  };
  await Promise.all([1, 2, 3].map(() => startTickProcess(children, env)));
  const first = new Date(Math.ceil(Date.now() / EVERY_MS) * EVERY_MS);
  await untilTicked("caught_up", first);

  // The outage: from 2 s before a tick to 65 s after it (plus PostgreSQL's own start).
  const outageTick = new Date(Math.ceil((Date.now() + 5_000) / EVERY_MS) * EVERY_MS);
  await sleep(outageTick.getTime() - 2_000 - Date.now());
  await database.kill9();
  await sleep(Math.max(0, outageTick.getTime() + 65_000 - Date.now()));
  await database.start();
  const upAt = Date.now();
  const missed = [0, 1, 2, 3].map((k) => new Date(outageTick.getTime() + k * EVERY_MS));
  const latest = missed.at(-1)!;
  assert.ok(upAt < latest.getTime() + EVERY_MS, "PostgreSQL was back before the next tick");

  // DBOS's own scheduler loops are asleep in their retry backoff (up to ~90 s) when the database
  // comes back; once they wake they fire the ticks they owe, late. Waited for: each schedule has a
  // tick after the outage.
  const since = Date.now();
  while (
    !(await ticks("caught_up").catch(() => [])).some((t) => t.tick_at > latest) ||
    !(await ticks("skipped").catch(() => [])).some((t) => t.tick_at > latest)
  ) {
    if (Date.now() - since > 180_000) throw new Error("the schedules did not tick after the outage");
    await sleep(500);
  }
  await sleep(2_000);

  const { rows: all } = await pool.query(
    "SELECT schedule, tick_at, catch_up, recorded_at FROM airlock.schedule_ticks ORDER BY schedule, tick_at",
  );
  const story = `killed ${new Date(outageTick.getTime() - 2_000).toISOString()}, back ${new Date(upAt).toISOString()}\n${all
    .map(
      (r) =>
        `${r.schedule} ${r.tick_at.toISOString()} catchUp=${r.catch_up} recorded ${r.recorded_at.toISOString()}`,
    )
    .join("\n")}`;
  const during = (rows: Tick[]) =>
    rows.filter((t) => t.tick_at >= outageTick && t.tick_at <= latest).map((t) => t.tick_at.toISOString());
  const caught = await ticks("caught_up");
  assert.deepEqual(
    during(caught),
    [latest.toISOString()],
    `catchUpOnce: only the latest missed tick ran\n${story}`,
  );
  // Fired by the catch-up pass (`catchUp`) or by a woken DBOS loop, whichever came first: one
  // workflow either way, its id being the tick's.
  const one = caught.find((t) => t.tick_at.getTime() === latest.getTime())!;
  assert.equal(one.status, "started");
  assert.ok(one.run_id, "it started a run");
  const effects = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM public.tick_ledger WHERE reference LIKE '%:schedule:caught_up:' || $1",
    [latest.toISOString()],
  );
  assert.equal(effects.rows[0]!.n, 1, "one effect, though three processes caught up");
  // A tick fired less than LATE_TICK_MS late runs under `skip` (so may the latest one here, if a
  // loop woke soon enough); the ones before the latest are missed ticks.
  const skipped = during(await ticks("skipped")).filter((at) => at !== latest.toISOString());
  assert.deepEqual(skipped, [], `skip: none of the earlier missed ticks ran\n${story}`);
  const before = new Date(outageTick.getTime() - EVERY_MS);
  for (const schedule of ["caught_up", "skipped"])
    assert.equal(
      (await ticks(schedule)).filter((t) => t.tick_at.getTime() === before.getTime() && !t.catch_up).length,
      1,
      `${schedule}: the tick before the outage ran once, on time`,
    );
  console.log(
    `# PostgreSQL down ${Math.round((upAt - outageTick.getTime() + 2_000) / 1000)} s, 4 ticks missed; the latest ran once (${one.catch_up ? "fired by the catch-up pass" : "fired late by DBOS's loop"})`,
  );
});
