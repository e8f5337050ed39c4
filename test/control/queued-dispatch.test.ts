// Queued runs through two Airlock instances on one database, each with its own workers (the
// engine's fetch loop claims jobs in batches; control/executor.ts completes a job inside its
// run's final transaction). What an operator would check: every run ran its handler exactly once,
// whichever instance took it; each has one start and one end in the audit; its job is completed;
// a run submitted to an instance without workers is run by the other.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { createUser, type TestUser } from "../support/users.ts";

// Handler calls by key, across both instances (they share this module).
const calls = new Map<string, number>();

const workspace = defineWorkspace({
  name: "dispatch",
  actions: [
    defineAction({
      name: "count_queued",
      title: "Count (queued)",
      tags: ["ops"],
      params: z.object({ key: z.string() }),
      handler: async (p) => {
        calls.set(p.key, (calls.get(p.key) ?? 0) + 1);
        // Long enough that runs overlap and both instances' workers are busy at once.
        await new Promise((r) => setTimeout(r, 20));
        return { key: p.key };
      },
    }),
  ],
  roles: { operator: { groups: ["operators"] } },
  grants: [{ to: "operator", verbs: ["view", "run"], on: { tag: "ops" } }],
});

let database: TestDatabase;
let a: TestAirlock;
let b: TestAirlock;
let front: TestAirlock;
let sam: TestUser;

before(async () => {
  database = await createTestDatabase();
  a = await startTestAirlock({ workspace, database, env: { AIRLOCK_WORKER_CONCURRENCY: "4" } });
  b = await startTestAirlock({ workspace, database, env: { AIRLOCK_WORKER_CONCURRENCY: "4" } });
  // An instance that serves requests and runs nothing itself.
  front = await startTestAirlock({
    workspace,
    database,
    env: { AIRLOCK_WORKER_CONCURRENCY: "0", AIRLOCK_RUN_WAIT_MS: "20000" },
  });
  sam = await createUser(a.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  await front?.close();
  await b?.close();
  await a?.close();
  await database?.drop();
});

function submit(on: TestAirlock, key: string) {
  return on.post("/api/v1/actions/count_queued/runs", { params: { key } }, sam.headers);
}

async function finalRuns(ids: string[]) {
  const until = Date.now() + 60_000;
  for (;;) {
    const { rows } = await a.airlock.database.pool.query<{ id: string; status: string }>(
      "SELECT id, status FROM airlock.runs WHERE id = ANY($1::text[])",
      [ids],
    );
    if (rows.every((r) => r.status === "succeeded" || r.status === "failed")) return rows;
    if (Date.now() > until) throw new Error(`runs not final: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("40 queued runs at once through two instances with workers: each handler ran exactly once, each run started and ended once in the audit, each job removed with its run's end", async () => {
  const keys = Array.from({ length: 40 }, (_, i) => `r${i}`);
  const answers = await Promise.all(keys.map((key, i) => submit(i % 2 ? b : a, key)));
  const ids: string[] = [];
  for (const answer of answers) {
    assert.ok([200, 202].includes(answer.status), `accepted (${answer.status})`);
    ids.push((await answer.json()).id as string);
  }
  const runs = await finalRuns(ids);
  assert.deepEqual(
    runs.map((r) => r.status),
    Array(40).fill("succeeded"),
  );
  assert.deepEqual(
    keys.map((key) => calls.get(key)),
    Array(40).fill(1),
    "every handler ran exactly once",
  );

  const pool = a.airlock.database.pool;
  const audit = await pool.query<{ run_id: string; started: number; succeeded: number }>(
    `SELECT run_id, count(*) FILTER (WHERE type = 'run.started')::int AS started,
            count(*) FILTER (WHERE type = 'run.succeeded')::int AS succeeded
       FROM airlock.audit_events WHERE run_id = ANY($1::text[]) GROUP BY run_id`,
    [ids],
  );
  assert.equal(audit.rows.length, 40);
  for (const row of audit.rows) assert.deepEqual([row.started, row.succeeded], [1, 1], row.run_id);

  // The job of a finished run is removed in the run's own transaction: none is left to be
  // delivered again.
  const jobs = await pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM pgboss.job
      WHERE name = 'airlock.run' AND data ->> 'runId' = ANY($1::text[]) GROUP BY state`,
    [ids],
  );
  assert.deepEqual(jobs.rows, []);
});

test("a queued run submitted to an instance without workers is run once by another instance", async () => {
  const answer = await submit(front, "front-1");
  const body = await answer.json();
  assert.equal(answer.status, 200, JSON.stringify(body));
  assert.equal(body.status, "succeeded");
  assert.equal(calls.get("front-1"), 1);
});
