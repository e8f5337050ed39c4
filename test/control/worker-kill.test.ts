import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { workerWorkspace } from "../support/worker-fixture.ts";

const root = join(import.meta.dirname, "..", "..");
let t: TestAirlock;
let operator: TestUser;
const workers: ChildProcess[] = [];

before(async () => {
  // This process only accepts runs; separate `airlock worker` processes execute them.
  t = await startTestAirlock({
    workspace: workerWorkspace,
    env: { AIRLOCK_WORKER_CONCURRENCY: "0", AIRLOCK_RUN_WAIT_MS: "0" },
  });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  for (const worker of workers) worker.kill("SIGKILL");
  await t.close();
});

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, "bin", "airlock.js"), "worker", "--concurrency", "4"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: t.database.url,
      AIRLOCK_CONFIG: join(root, "test", "support", "worker-fixture.config.ts"),
      AIRLOCK_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      if (String(chunk).includes("worker running")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function status(runId: string) {
  const res = await t.airlock.database.pool.query(
    "SELECT status, error_code, attempt, result FROM airlock.runs WHERE id = $1",
    [runId],
  );
  return res.rows[0] as {
    status: string;
    error_code: string | null;
    attempt: number;
    result: { attempt: number } | null;
  };
}

async function until(check: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not within ${ms} ms`);
}

test("a worker killed mid-run: retry-safe runs execute again, others fail visibly with run.interrupted, within 60 s", async (t_) => {
  const first = await startWorker();
  const submit = async (action: string) => {
    const res = await t.post(
      `/api/v1/actions/${action}/runs`,
      { params: { label: action } },
      operator.headers,
    );
    assert.equal(res.status, 202);
    return (await res.json()).id as string;
  };
  const never = await submit("hang_never");
  const safe = await submit("hang_safe");
  await until(
    async () => (await status(never)).status === "running" && (await status(safe)).status === "running",
    30_000,
  );

  const exited = new Promise((r) => first.once("exit", r));
  first.kill("SIGKILL");
  await exited;
  const killedAt = Date.now();
  await startWorker();

  const neverMs = await until(async () => (await status(never)).status === "failed", 60_000);
  const safeMs = await until(async () => (await status(safe)).status === "succeeded", 60_000);
  t_.diagnostic(
    `after SIGKILL: interrupted run failed in ${neverMs} ms; retry-safe run re-executed and succeeded in ${safeMs} ms (wall ${Date.now() - killedAt} ms)`,
  );

  const failed = await status(never);
  assert.equal(failed.error_code, "run.interrupted");
  assert.equal(failed.attempt, 1, "never re-executed");
  const succeeded = await status(safe);
  assert.equal(succeeded.attempt, 2);
  assert.deepEqual(succeeded.result, { attempt: 2 });

  const events = await t.airlock.database.pool.query(
    "SELECT type, error_code FROM airlock.audit_events WHERE run_id = $1 ORDER BY id",
    [never],
  );
  assert.deepEqual(
    events.rows.map((r) => `${r.type}${r.error_code ? `:${r.error_code}` : ""}`),
    ["run.requested", "run.started", "run.failed:run.interrupted"],
  );
  const view = await (await t.request(`/api/v1/runs/${never}`, { headers: operator.headers })).json();
  assert.equal(view.error.code, "run.interrupted");
  assert.match(view.error.message, /check before retrying/);
});
