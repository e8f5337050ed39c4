// A queued run executed by the process that accepted it (that process had a worker free: its job
// is sent held for it by a lease, engine/held-job.ts), when that process is killed mid-run: the
// lease lapses and another process's worker takes the job, as it takes a dead worker's. The run
// was created started, so a run not declared retry-safe fails visibly with run.interrupted and a
// retry-safe one executes again.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type AirlockProcess, spawnAirlock } from "../reliability/cluster.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { workerWorkspace } from "../support/worker-fixture.ts";

const root = join(import.meta.dirname, "..", "..");
let t: TestAirlock;
let operator: TestUser;
const started: AirlockProcess[] = [];

before(async () => {
  // The database and its users; this process executes nothing.
  t = await startTestAirlock({ workspace: workerWorkspace, env: { AIRLOCK_WORKER_CONCURRENCY: "0" } });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  for (const proc of started) await proc.kill9();
  await t.close();
});

async function row(runId: string) {
  const res = await t.airlock.database.pool.query(
    `SELECT r.status, r.error_code, r.attempt, r.result, r.queued_at IS NOT NULL AS queued,
            (SELECT array_agg(j.state::text) FROM pgboss.job j WHERE j.data ->> 'runId' = r.id) AS jobs
       FROM airlock.runs r WHERE r.id = $1`,
    [runId],
  );
  return res.rows[0] as {
    status: string;
    error_code: string | null;
    attempt: number;
    result: { attempt: number } | null;
    queued: boolean;
    jobs: string[] | null;
  };
}

/** Waits for the run to reach `status`; the milliseconds it took. */
async function reached(runId: string, status: string): Promise<number> {
  const started = Date.now();
  await until(
    `${runId} ${status}`,
    async () => ((await row(runId)).status === status ? true : undefined),
    60_000,
    200,
  );
  return Date.now() - started;
}

test("a process killed while running the queued runs it accepted: another process's worker takes them once their lease lapses (interrupted, or executed again if retry-safe)", async (t_) => {
  const server = await spawnAirlock("serve", t.database.url, started, {
    config: join(root, "test", "support", "worker-fixture.config.ts"),
    serveWorkers: 4,
  });
  const submit = async (action: string) => {
    const res = await fetch(`${server.url}/api/v1/actions/${action}/runs`, {
      method: "POST",
      headers: { ...operator.headers, "content-type": "application/json" },
      body: JSON.stringify({ params: { label: action } }),
    });
    assert.equal(res.status, 202);
    const run = (await res.json()) as { id: string; status: string };
    // Created started: the accepting process had a worker free and runs it itself.
    assert.equal(run.status, "running");
    return run.id;
  };
  const never = await submit("hang_never");
  const safe = await submit("hang_safe");
  for (const id of [never, safe]) {
    const running = await row(id);
    assert.equal(running.status, "running");
    assert.equal(running.queued, true, "a queued run keeps its queued_at");
    // Its job waits, held, for the lease to lapse: no worker claimed it.
    assert.deepEqual(running.jobs, ["created"]);
  }

  await server.kill9();
  const killedAt = Date.now();
  await spawnAirlock("worker", t.database.url, started, {
    config: join(root, "test", "support", "worker-fixture.config.ts"),
  });

  const neverMs = await reached(never, "failed");
  const safeMs = await reached(safe, "succeeded");
  t_.diagnostic(
    `after SIGKILL of the accepting process: interrupted run failed in ${neverMs} ms; retry-safe run executed again and succeeded in ${safeMs} ms (wall ${Date.now() - killedAt} ms)`,
  );

  const failed = await row(never);
  assert.equal(failed.error_code, "run.interrupted");
  assert.equal(failed.attempt, 1, "never executed again");
  const succeeded = await row(safe);
  assert.equal(succeeded.attempt, 2);
  assert.deepEqual(succeeded.result, { attempt: 2 });
  assert.equal(succeeded.jobs, null, "the job is removed with the run's end");

  const events = await t.airlock.database.pool.query(
    "SELECT type, error_code FROM airlock.audit_events WHERE run_id = $1 ORDER BY id",
    [never],
  );
  assert.deepEqual(
    events.rows.map((r) => `${r.type}${r.error_code ? `:${r.error_code}` : ""}`),
    ["run.requested", "run.started", "run.failed:run.interrupted"],
  );
});
