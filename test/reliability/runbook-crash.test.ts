// Crash safety of runbooks: real `airlock serve` processes on one database, the runbook started in
// one of them, and the process running it killed with SIGKILL at each kind of step boundary while
// two others are alive: inside a checkpointed step after an action step committed, inside an
// action step's open transaction, while waiting for a person, and while sleeping. After each kill
// a live process takes the runbook over (heartbeat supervision, decision 0006) and a new process
// is started so two stay alive. The runbook finishes, and every action step's effect exists
// exactly once. Prints the recovery time of each kill (kill → the runbook moving again).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { until as waitFor } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { chaosDatabase } from "./chaos-database.ts";
import { type AirlockProcess, sleep, spawnAirlock } from "./cluster.ts";

const CONFIG = join(import.meta.dirname, "runbook-chaos.config.ts");
const { started, create } = chaosDatabase();

const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  waitFor(what, check, timeoutMs, 50);

test("kill -9 of the process running a runbook at each step boundary: it finishes, each effect once", async () => {
  const { db, owner } = await create(`
    CREATE TABLE public.chaos_gates (name text PRIMARY KEY);
    CREATE TABLE public.chaos_ledger (reference text UNIQUE NOT NULL, n int NOT NULL, pid int NOT NULL);
    GRANT SELECT ON public.chaos_gates TO airlock_app;
    GRANT SELECT, INSERT ON public.chaos_ledger TO airlock_app;`);
  const ops: TestUser = await createUser(owner, { groups: ["ops"] });
  const spawn = () => spawnAirlock("serve", db.url, started, { config: CONFIG });
  await Promise.all([spawn(), spawn(), spawn()]);

  const live = () => started.filter((p) => p.alive());
  const serving = () => live().filter((p) => p.url !== "");
  const call = async (path: string, body?: unknown) => {
    // After the third kill every original process may be gone while the replacements are still
    // starting (seconds on a loaded machine): ask the first one that serves.
    const target = await until("a serving process", async () => serving()[0]);
    const response = await fetch(`${target.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: ops.headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const start = await call("/api/v1/runbooks/chaos/runs", {});
  assert.equal(start.status, 202, JSON.stringify(start.body));
  const id = start.body.id as string;

  const step = async (name: string) =>
    (
      await owner.query<{ status: string }>(
        "SELECT status FROM airlock.runbook_steps WHERE runbook_run_id = $1 AND name = $2",
        [id, name],
      )
    ).rows[0]?.status;
  // The process running the workflow: DBOS records its executor, whose id ends in its pid.
  const runner = async (): Promise<AirlockProcess | undefined> => {
    const { rows } = await owner.query<{ executor_id: string; status: string }>(
      `SELECT s.executor_id, s.status FROM dbos.workflow_status s
         JOIN airlock.runbook_runs r ON r.workflow_id = s.workflow_uuid WHERE r.id = $1`,
      [id],
    );
    if (rows[0]?.status !== "PENDING") return undefined;
    const pid = Number(/-(\d+)-[a-z0-9]+$/.exec(rows[0].executor_id)?.[1]);
    return live().find((p) => p.child.pid === pid);
  };
  const recoveries: Record<string, number> = {};
  const killRunner = async (point: string, then: () => Promise<void>, moved: () => Promise<boolean>) => {
    const victim = await until(`the runner (${point})`, runner);
    await victim.kill9();
    const killedAt = Date.now();
    // A new process joins when it is up (a start takes seconds on a loaded machine); the two
    // others stay alive meanwhile.
    replacements.push(spawn());
    await then();
    await until(`recovery after the kill ${point}`, async () => ((await moved()) ? true : undefined));
    recoveries[point] = Date.now() - killedAt;
  };
  const replacements: Promise<AirlockProcess>[] = [];
  const open = (gate: string) => owner.query("INSERT INTO public.chaos_gates (name) VALUES ($1)", [gate]);

  await until("the step after the first action", async () =>
    (await step("between")) === "running" ? true : undefined,
  );
  await killRunner(
    "inside a step, after an action step committed",
    async () => {
      await open("between");
    },
    async () => (await step("between")) === "succeeded",
  );

  await until("the action step's transaction", async () =>
    (await step("two")) === "running" ? true : undefined,
  );
  await sleep(300);
  await killRunner(
    "inside an action step's transaction",
    async () => {
      await open("inside");
    },
    async () => (await step("two")) === "succeeded",
  );

  await until("the human step", async () => ((await step("input")) === "waiting" ? true : undefined));
  await killRunner(
    "while waiting for a person",
    async () => {
      const answered = await call(`/api/v1/runbook-runs/${id}/steps/input/answer`, { answer: { ok: true } });
      assert.equal(answered.status, 200, JSON.stringify(answered.body));
    },
    async () => (await step("sleep")) !== undefined,
  );

  // Recovered when a live process carries the sleeping workflow again.
  await killRunner(
    "while sleeping",
    async () => {},
    async () => (await runner()) !== undefined,
  );

  const done = await until("the runbook's end", async () => {
    const { body } = await call(`/api/v1/runbook-runs/${id}`);
    return body.status === "succeeded" || body.status === "failed" ? body : undefined;
  });
  assert.equal(done.status, "succeeded", JSON.stringify(done.error));
  await Promise.all(replacements);
  const ledger = await owner.query<{ n: number; count: number }>(
    "SELECT n, count(*)::int AS count FROM public.chaos_ledger GROUP BY n ORDER BY n",
  );
  assert.deepEqual(ledger.rows, [
    { n: 1, count: 1 },
    { n: 2, count: 1 },
    { n: 3, count: 1 },
  ]);
  const runs = await owner.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key LIKE $1",
    [`rb:${id}:%`],
  );
  assert.equal(runs.rows[0]!.n, 3, "one run per action step");
  const times = Object.values(recoveries).sort((a, b) => a - b);
  console.log(
    `runbook crash recovery (kill -9 → moving again in a live process): ${Object.entries(recoveries)
      .map(([point, ms]) => `${point}: ${ms} ms`)
      .join("; ")}; p50 ${times[Math.floor((times.length - 1) / 2)]} ms, max ${times.at(-1)} ms`,
  );
});
