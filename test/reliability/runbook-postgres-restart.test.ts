// PostgreSQL killed (SIGKILL) and restarted under running runbooks: two `airlock serve` processes
// on their own embedded PostgreSQL, 50 runbooks of three action steps around a sleep started
// across both; once every runbook has done its first step the postmaster is killed and started
// again. Every runbook finishes, no process dies, and each action step's effect exists once.
// Prints each runbook's recovery: how long after the restart it finished (p50, p90, max).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS } from "../../src/store/migrate.ts";
import { createUser } from "../support/users.ts";
import { type AirlockProcess, type OwnPostgres, sleep, spawnAirlock, startOwnPostgres } from "./cluster.ts";

const CONFIG = join(import.meta.dirname, "runbook-chaos.config.ts");
const RUNBOOKS = 50;
const started: AirlockProcess[] = [];
let database: OwnPostgres | null = null;
let owner: pg.Pool | null = null;

after(async () => {
  await Promise.all(started.map((p) => p.kill9()));
  await owner?.end().catch(() => {});
  await database?.remove();
});

test("PostgreSQL killed and restarted under running runbooks: all finish, each step's effect once", async () => {
  database = await startOwnPostgres();
  await prepareDatabase(database.url, [AIRLOCK_MIGRATIONS]);
  const setup = await ownerClient(database.url);
  await setup.query(`
    CREATE TABLE public.chaos_gates (name text PRIMARY KEY);
    CREATE TABLE public.chaos_ledger (reference text UNIQUE NOT NULL, n int NOT NULL, pid int NOT NULL);
    GRANT SELECT ON public.chaos_gates TO airlock_app;
    GRANT SELECT, INSERT ON public.chaos_ledger TO airlock_app;
    CHECKPOINT;`);
  await setup.end();
  owner = new pg.Pool({ connectionString: database.url, max: 2 });
  owner.on("error", () => {});
  const ops = await createUser(owner, { groups: ["ops"] });
  const servers = await Promise.all(
    [1, 2].map(() => spawnAirlock("serve", database!.url, started, { config: CONFIG })),
  );

  // Started ten at a time, alternating between the two servers.
  const ids: string[] = [];
  for (let batch = 0; batch < RUNBOOKS; batch += 10) {
    const responses = await Promise.all(
      Array.from({ length: Math.min(10, RUNBOOKS - batch) }, (_, k) =>
        fetch(`${servers[(batch + k) % 2]!.url}/api/v1/runbooks/steady/runs`, {
          method: "POST",
          headers: ops.headers,
          body: "{}",
        }),
      ),
    );
    for (const response of responses) {
      assert.equal(response.status, 202);
      ids.push(((await response.json()) as { id: string }).id);
    }
  }
  const count = async (sql: string) => Number((await owner!.query(sql, [ids])).rows[0].n);
  const deadline = Date.now() + 60_000;
  while (
    (await count(
      "SELECT count(*) AS n FROM airlock.runbook_steps WHERE runbook_run_id = ANY($1) AND name = 'one' AND status = 'succeeded'",
    )) < RUNBOOKS
  ) {
    assert.ok(Date.now() < deadline, "the first steps did not finish");
    await sleep(50);
  }

  await database.kill9();
  await sleep(500);
  await database.start();
  const restartedAt = Date.now();
  const dbClockAtRestart = Number(
    (await owner.query("SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms")).rows[0].ms,
  );

  for (;;) {
    const ended = await count(
      "SELECT count(*) AS n FROM airlock.runbook_runs WHERE id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')",
    ).catch(() => 0);
    if (ended === RUNBOOKS) break;
    assert.ok(
      Date.now() - restartedAt < 90_000,
      `only ${ended} of ${RUNBOOKS} runbooks ended 90 s after the restart`,
    );
    await sleep(200);
  }
  const finishedMs = Date.now() - restartedAt;
  // Each runbook's recovery, on the database's clock: its end after the restart.
  const ends = (
    await owner.query<{ ms: number }>(
      "SELECT extract(epoch FROM finished_at) * 1000 AS ms FROM airlock.runbook_runs WHERE id = ANY($1)",
      [ids],
    )
  ).rows
    .map((r) => Math.round(Number(r.ms) - dbClockAtRestart))
    .filter((ms) => ms > 0)
    .sort((a, b) => a - b);
  const at = (q: number) => ends[Math.min(ends.length - 1, Math.floor(q * ends.length))] ?? 0;
  const failures = await owner.query(
    "SELECT error, count(*)::int AS n FROM airlock.runbook_runs WHERE status <> 'succeeded' GROUP BY error",
  );
  if (failures.rows.length > 0) console.log("runbooks not succeeded:", JSON.stringify(failures.rows));
  const statuses = await owner.query(
    "SELECT status, count(*)::int AS n FROM airlock.runbook_runs GROUP BY status",
  );
  assert.deepEqual(statuses.rows, [{ status: "succeeded", n: RUNBOOKS }]);
  const effects = await owner.query<{ n: number; count: number }>(
    "SELECT n, count(*)::int AS count FROM public.chaos_ledger GROUP BY n ORDER BY n",
  );
  assert.deepEqual(effects.rows, [
    { n: 1, count: RUNBOOKS },
    { n: 2, count: RUNBOOKS },
    { n: 3, count: RUNBOOKS },
  ]);
  assert.ok(
    servers.every((s) => s.alive()),
    "no process died",
  );
  console.log(
    `runbooks after a PostgreSQL kill -9 and restart: all ${RUNBOOKS} finished (${ends.length} were still running at the restart); their end after the restart p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${ends.at(-1)} ms (last seen ${finishedMs} ms)`,
  );
});
