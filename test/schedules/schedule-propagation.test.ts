// A schedule change made through one process reaches the others' scheduler loops: two Airlock
// processes on one database, a schedule ticking every second. An admin pauses it through process
// A's API (no tick runs while paused, on either process), resumes it there, and A is killed at
// once: the ticks that follow are fired by process B's loop, which learned of the resume from the
// database. The time from the resume to B's first tick is printed (each process re-reads the
// schedules every second; DBOS's default was 30 s).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, test } from "node:test";
import pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser } from "../support/users.ts";
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

async function startProcess(url: string): Promise<{ child: ChildProcess; apiUrl: string }> {
  const { child, apiUrl } = await startTickProcess(children, {
    DATABASE_URL: url,
    TICK_SCHEDULES: "every_second:skip",
    TICK_HTTP: "1",
  });
  return { child, apiUrl: apiUrl! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ticksAfter(at: Date): Promise<Date[]> {
  const { rows } = await pool.query<{ tick_at: Date }>(
    "SELECT tick_at FROM airlock.schedule_ticks WHERE schedule = 'every_second' AND tick_at > $1 ORDER BY tick_at",
    [at],
  );
  return rows.map((r) => r.tick_at);
}

test("a pause and a resume made through one process reach the other's scheduler loop within seconds", async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pool.on("error", () => {});
  const owner = await ownerClient(db.url);
  await owner.query(TICK_TABLE);
  await owner.end();

  const [a, b] = await Promise.all([startProcess(db.url), startProcess(db.url)]);
  const admin = await createUser(pool, { groups: ["admins"] });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${a.apiUrl}${path}`, {
      method: "POST",
      headers: { ...admin.headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const ticking = Date.now();
  while ((await ticksAfter(new Date(0))).length === 0) {
    if (Date.now() - ticking > 60_000) throw new Error("the schedule never ticked");
    await sleep(250);
  }

  await post("/api/v1/schedules/every_second/pause", { reason: "propagation test" });
  const pausedAt = new Date();
  await sleep(3_000);
  assert.deepEqual(await ticksAfter(new Date(pausedAt.getTime() + 1_000)), [], "no tick runs while paused");

  await post("/api/v1/schedules/every_second/resume", {});
  const resumedAt = new Date();
  const gone = new Promise((r) => a.child.once("exit", r));
  a.child.kill("SIGKILL");
  await gone;
  let first: Date | undefined;
  while (!first && Date.now() - resumedAt.getTime() < 25_000) {
    first = (await ticksAfter(resumedAt))[0];
    if (!first) await sleep(100);
  }
  assert.ok(first, "process B ticks again after the resume made through process A (which is gone)");
  console.log(
    `# resume through process A → first tick fired by process B: ${first.getTime() - resumedAt.getTime()} ms (tick time; loaded machine)`,
  );
  assert.equal(b.child.exitCode, null, "process B is alive");
});
