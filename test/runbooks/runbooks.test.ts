// Runbooks through the real HTTP app on real PostgreSQL and the real durable engine: a runbook
// whose action steps pass the control layer (a step held for approval waits for a manager in the
// inbox), with a human step answered by its assignee only (field errors, a stable 403, a second
// answer changing nothing), cancel (audited, steps done stay done), retry from the failed step
// (the steps before it not repeated), refusals at start with a problem list (two steps with one
// name included, found by a rehearsal before any step runs), and definition mistakes refused at
// load.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadWorkspace } from "../../src/config/load-workspace.ts";
import { forkRunbookRun } from "../../src/runbooks/runbook-fork.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { ownerClient } from "../../src/store/database.ts";
import { compileWorkspace, WorkspaceProblemsError } from "../../src/workspace/compile-workspace.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";

const addEntry = defineAction({
  name: "add_entry",
  title: "Add a ledger entry",
  tags: ["ledger"],
  execution: "inline",
  params: z.object({ amount: z.number().int().positive() }),
  async handler(p, ctx) {
    // The step's idempotency key is a unique reference: the domain refuses a second effect too.
    await ctx.db.query("INSERT INTO public.rb_ledger (reference, amount) VALUES ($1, $2)", [
      ctx.idempotencyKey,
      p.amount,
    ]);
    return { added: p.amount };
  },
});

const bigEntry = defineAction({
  name: "big_entry",
  title: "Add a large ledger entry",
  tags: ["ledger"],
  params: z.object({ amount: z.number().int().positive() }),
  approval: { when: (p) => p.amount > 100, reviewers: { groups: ["managers"] }, mode: "enforce" },
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.rb_ledger (reference, amount) VALUES ($1, $2)", [
      ctx.idempotencyKey,
      p.amount,
    ]);
    return { added: p.amount };
  },
});

/** The slow step's handler waits for the test: `entered` when it starts, `release()` to go on. */
const slowGate = { entered: Promise.withResolvers<void>(), release: Promise.withResolvers<void>() };

const slowEntry = defineAction({
  name: "slow_entry",
  title: "Add a ledger entry, slowly",
  tags: ["ledger"],
  execution: "inline",
  params: z.object({ amount: z.number().int().positive() }),
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.rb_ledger (reference, amount) VALUES ($1, $2)", [
      ctx.idempotencyKey,
      p.amount,
    ]);
    slowGate.entered.resolve();
    await slowGate.release.promise;
    return { added: p.amount };
  },
});

const slow = defineRunbook({
  name: "slow",
  title: "A slow entry, then another",
  params: z.object({}),
  uses: ["slow_entry", "add_entry"],
  async handler(rb) {
    await rb.run("slow_entry", { amount: 11 }, { step: "slow" });
    await rb.run("add_entry", { amount: 12 }, { step: "after" });
  },
});

// An action step held for approval, then a step of the engine's own: a resume must wait for the
// held run through the same engine operations as the first time, or it meets the wrong one.
const held = defineRunbook({
  name: "held",
  title: "A large entry, held for approval",
  params: z.object({}),
  uses: ["big_entry", "add_entry"],
  async handler(rb) {
    await rb.run("big_entry", { amount: 300 }, { step: "big" });
    await rb.step("noted", async () => "noted");
    await rb.run("add_entry", { amount: 4 }, { step: "small" });
  },
});

const settle = defineRunbook({
  name: "settle",
  title: "Settle an account",
  params: z.object({ account: z.string().min(3) }),
  uses: ["add_entry", "big_entry"],
  async handler(rb, { account }) {
    await rb.log(`settling ${account}`);
    await rb.run("add_entry", { amount: 1 });
    const total = await rb.step("compute", async () => 500);
    await rb.progress(2, 4, "computed");
    const { decision } = await rb.input(
      z.object({ decision: z.enum(["go", "stop"]), note: z.string().min(3) }),
      { assignee: { group: "analysts" }, title: `Settle ${account} for ${total}?` },
    );
    if (decision === "go") await rb.run("big_entry", { amount: total });
    await rb.progress(4, 4, "done");
    return { decision };
  },
});

const flaky = defineRunbook({
  name: "flaky",
  title: "Fails once at its second step",
  params: z.object({}),
  uses: ["add_entry"],
  async handler(rb) {
    await rb.run("add_entry", { amount: 7 });
    await rb.step("check", async () => {
      const owner = await ownerClient(t.database.url);
      try {
        const { rows } = await owner.query("SELECT broken FROM public.rb_switch");
        if (rows[0].broken) throw new Error("the switch is broken");
      } finally {
        await owner.end();
      }
    });
    await rb.run("add_entry", { amount: 8 }, { step: "second_entry" });
  },
});

const single = defineRunbook({
  name: "single",
  title: "One entry",
  params: z.object({}),
  uses: ["add_entry"],
  async handler(rb) {
    await rb.run("add_entry", { amount: 3 }, { step: "entry" });
  },
});

/** How often the twin runbook's step really ran (a rehearsal never runs a step's function). */
const twinRuns = { count: 0 };

// Two steps named "count" when `again` is set: refused at start, before the first one runs.
const twin = defineRunbook({
  name: "twin",
  title: "Counts twice when asked",
  params: z.object({ again: z.boolean() }),
  uses: [],
  async handler(rb, { again }) {
    await rb.step("count", async () => ++twinRuns.count);
    if (again) await rb.step("count", async () => ++twinRuns.count);
  },
});

// A duplicate only a run can find: the loop is over a step's result, which the start-time
// rehearsal does not enter (a stand-in result iterates as empty).
const looped = defineRunbook({
  name: "looped",
  title: "Counts once per item it finds",
  params: z.object({}),
  uses: [],
  async handler(rb) {
    const items = await rb.step("find", async () => ["a", "b"]);
    for (const _item of items) await rb.step("count", async () => ++twinRuns.count);
  },
});

const workspace = defineWorkspace({
  name: "runbooks",
  actions: [addEntry, bigEntry, slowEntry],
  runbooks: [settle, flaky, single, twin, looped, slow, held],
  roles: {
    operator: { groups: ["operators"] },
    analyst: { groups: ["analysts"] },
    manager: { groups: ["managers"] },
    limited: { groups: ["limited"] },
  },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "ledger" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "settle" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "flaky" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "single" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "twin" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "looped" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "slow" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "held" } },
    { to: "analyst", verbs: ["view"], on: { runbook: "settle" } },
    { to: "manager", verbs: ["view", "approve"], on: { tag: "ledger" } },
    { to: "limited", verbs: ["view", "run"], on: { runbook: "settle" } },
  ],
});

/** An API answer, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;
type Row = Record<string, Json>;

let t: TestAirlock;
let operator: TestUser;
let analyst: TestUser;
let manager: TestUser;
let limited: TestUser;
let outsider: TestUser;

before(async () => {
  t = await startTestAirlock({
    workspace,
    prepare: async (url) => {
      const owner = await ownerClient(url);
      await owner.query(`
        CREATE TABLE public.rb_ledger (reference text UNIQUE NOT NULL, amount int NOT NULL);
        GRANT SELECT, INSERT ON public.rb_ledger TO airlock_app;
        CREATE TABLE public.rb_switch (broken boolean NOT NULL);
        INSERT INTO public.rb_switch VALUES (true);`);
      await owner.end();
    },
  });
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, { groups: ["operators"], name: "Olive Operator" });
  analyst = await createUser(pool, { groups: ["analysts"], name: "Ana Analyst" });
  manager = await createUser(pool, { groups: ["managers"], name: "Max Manager" });
  limited = await createUser(pool, { groups: ["limited"] });
  outsider = await createUser(pool, { groups: [] });
});

after(async () => {
  await t?.close();
});

async function call(user: TestUser, path: string, body?: unknown) {
  const response = await t.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function runbookRun(user: TestUser, id: string) {
  const { status, body } = await call(user, `/api/v1/runbook-runs/${id}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

const ledger = async () =>
  (await t.airlock.database.pool.query("SELECT reference, amount FROM public.rb_ledger ORDER BY amount"))
    .rows;

describe("runbooks", () => {
  test("a runbook runs its steps through the control layer, waits for its assignee and for an approval, and finishes", async () => {
    const started = await call(operator, "/api/v1/runbooks/settle/runs", { params: { account: "acc_1" } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.id as string;

    const waiting = await until("the human step", async () => {
      const run = await runbookRun(operator, id);
      // The step row is written before the run's own status turns to waiting: wait for both.
      return run.status === "waiting" &&
        run.steps.find((s: Row) => s.name === "input" && s.status === "waiting")
        ? run
        : undefined;
    });
    assert.equal(waiting.status, "waiting");
    const first = waiting.steps.find((s: Row) => s.name === "add_entry");
    assert.equal(first.status, "succeeded");
    assert.match(first.runId, /^run_/);
    // The inline action step's end was written by its run's own transaction (one commit for both).
    const written = await t.airlock.database.pool.query(
      `SELECT s.xmin::text = r.xmin::text AS together FROM airlock.runbook_steps s
         JOIN airlock.runs r ON r.id = s.run_id WHERE s.runbook_run_id = $1 AND s.name = 'add_entry'`,
      [id],
    );
    assert.deepEqual(written.rows, [{ together: true }], "the step's end committed with its run");
    assert.deepEqual(
      waiting.steps.map((s: Row) => s.name),
      ["add_entry", "compute", "input"],
    );
    assert.deepEqual(waiting.progress, { done: 2, total: 4, label: "computed" });
    assert.deepEqual(
      waiting.logs.map((l: Row) => l.message),
      ["settling acc_1"],
    );
    const input = waiting.steps.find((s: Row) => s.name === "input");
    assert.equal(input.title, "Settle acc_1 for 500?");
    assert.equal(input.canAnswer, false, "the operator is not the assignee");

    // The analyst's inbox lists the step; the operator's does not.
    const inbox = await call(analyst, "/api/v1/runbook-inputs");
    assert.deepEqual(
      inbox.body.inputs.map((i: Row) => [i.runbookRunId, i.step]),
      [[id, "input"]],
    );
    assert.deepEqual((await call(operator, "/api/v1/runbook-inputs")).body.inputs, []);

    const path = `/api/v1/runbook-runs/${id}/steps/input/answer`;
    const byOperator = await call(operator, path, { answer: { decision: "go", note: "fine" } });
    assert.equal(byOperator.status, 403);
    assert.equal(byOperator.body.error.code, "runbook.not_assignee");

    const invalid = await call(analyst, path, { answer: { decision: "maybe", note: "x" } });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.error.code, "validation.failed");
    assert.deepEqual(invalid.body.error.details.issues.map((i: Row) => i.path.join(".")).sort(), [
      "decision",
      "note",
    ]);

    const answered = await call(analyst, path, { answer: { decision: "go", note: "checked the file" } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.replayed, false);
    const again = await call(analyst, path, { answer: { decision: "stop", note: "changed my mind" } });
    assert.equal(again.status, 200);
    assert.equal(again.body.replayed, true);

    // The big entry needs a manager's approval: the runbook waits on the run held for it.
    const held = await until("the step's approval request", async () => {
      const run = await runbookRun(operator, id);
      const step = run.steps.find((s: Row) => s.name === "big_entry");
      return step?.status === "waiting" && step.runId ? step : undefined;
    });
    const pending = await call(manager, "/api/v1/approvals?status=pending");
    const request = pending.body.approvals.find((a: Row) => a.runId === held.runId);
    assert.ok(request, "the step's run is in the manager's inbox");
    const approved = await call(manager, `/api/v1/approvals/${request.id}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));

    const done = await until("the runbook's end", async () => {
      const run = await runbookRun(operator, id);
      return run.status === "succeeded" ? run : undefined;
    });
    assert.deepEqual(done.result, { decision: "go" });
    const answeredStep = done.steps.find((s: Row) => s.name === "input");
    assert.deepEqual(answeredStep.answeredBy, { id: analyst.id, name: "Ana Analyst" });
    assert.deepEqual(answeredStep.answer, { decision: "go", note: "checked the file" });
    assert.ok(done.steps.every((s: Row) => s.status === "succeeded"));
    assert.deepEqual(
      (await ledger()).map((r: Row) => r.amount),
      [1, 500],
    );

    const audit = await t.airlock.database.pool.query(
      "SELECT type, actor_id FROM airlock.audit_events WHERE target_id = $1 ORDER BY id",
      [id],
    );
    assert.deepEqual(
      audit.rows.map((r: Row) => [r.type, r.actor_id]),
      [
        ["runbook.started", operator.id],
        ["runbook.input_answered", analyst.id],
        ["runbook.succeeded", operator.id],
      ],
    );
  });

  test("start is refused with a clear error: unknown, not granted, bad parameters, an action the starter may not run", async () => {
    const unknown = await call(operator, "/api/v1/runbooks/nope/runs", { params: {} });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "runbook.not_found");
    const hidden = await call(outsider, "/api/v1/runbooks/settle/runs", { params: { account: "acc_2" } });
    assert.equal(hidden.status, 404, "a runbook one may not see does not exist for them");
    const notRun = await call(analyst, "/api/v1/runbooks/settle/runs", { params: { account: "acc_2" } });
    assert.equal(notRun.status, 403);
    assert.equal(notRun.body.error.code, "permission.denied");
    const bad = await call(operator, "/api/v1/runbooks/settle/runs", { params: { account: "a" } });
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.body.error.details.issues.map((i: Row) => i.path),
      [["account"]],
    );
    const cannot = await call(limited, "/api/v1/runbooks/settle/runs", { params: { account: "acc_2" } });
    assert.equal(cannot.status, 422);
    assert.equal(cannot.body.error.code, "runbook.invalid");
    assert.deepEqual(cannot.body.error.details.problems, [
      'You may not run the action "add_entry", which this runbook runs.',
      'You may not run the action "big_entry", which this runbook runs.',
    ]);
    const count = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.runbook_runs WHERE actor_id <> $1",
      [operator.id],
    );
    assert.equal(count.rows[0].n, 0, "nothing was started");
  });

  test("two steps with one name are refused at start, naming the runbook and the step, before any step runs", async () => {
    const refused = await call(operator, "/api/v1/runbooks/twin/runs", { params: { again: true } });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "runbook.duplicate_step");
    assert.match(refused.body.error.message, /runbook "twin" has two steps named "count"/);
    assert.equal(refused.body.error.details.runbook, "twin");
    assert.equal(refused.body.error.details.step, "count");
    assert.ok(refused.body.error.requestId);
    const started = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.runbook_runs WHERE runbook = 'twin'",
    );
    assert.equal(started.rows[0].n, 0, "nothing was started");
    assert.equal(twinRuns.count, 0, "no step ran");

    // The parameters choose the path: without `again`, one step named "count", and it runs.
    const fine = await call(operator, "/api/v1/runbooks/twin/runs", { params: { again: false } });
    assert.equal(fine.status, 202, JSON.stringify(fine.body));
    const done = await until("the twin runbook's end", async () => {
      const run = await runbookRun(operator, fine.body.id);
      return run.status === "succeeded" ? run : undefined;
    });
    assert.deepEqual(
      done.steps.map((s: Row) => s.name),
      ["count"],
    );
    assert.equal(twinRuns.count, 1);
  });

  test("a duplicate the start cannot see (a loop over a step's result) fails the run at the second step with runbook.duplicate_step, naming it", async () => {
    const before = twinRuns.count;
    const started = await call(operator, "/api/v1/runbooks/looped/runs", { params: {} });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const failed = await until("the looped runbook's end", async () => {
      const run = await runbookRun(operator, started.body.id);
      return ["succeeded", "failed"].includes(run.status) ? run : undefined;
    });
    assert.equal(failed.status, "failed");
    assert.deepEqual(failed.error, {
      code: "runbook.duplicate_step",
      message: 'The runbook "looped" has two steps named "count"; give each a unique name ({ step: "..." }).',
      step: "count",
    });
    assert.deepEqual(
      failed.steps.map((s: Row) => [s.name, s.status]),
      [
        ["find", "succeeded"],
        ["count", "succeeded"],
      ],
    );
    assert.equal(twinRuns.count, before + 1, "the first count ran, the second never did");
  });

  test("two steps with one name are refused when the workspace is loaded (npm start, airlock check), naming the runbook and the step", async () => {
    const dir = await mkdtemp(join(tmpdir(), "airlock-twin-"));
    try {
      const sdk = new URL("../../src/sdk/index.ts", import.meta.url).href;
      const file = join(dir, "airlock.config.ts");
      await writeFile(
        file,
        `import { defineRunbook, defineWorkspace, z } from ${JSON.stringify(sdk)};
const twice = defineRunbook({
  name: "twice_named",
  title: "Names a step twice",
  params: z.object({}),
  uses: [],
  async handler(rb) {
    await rb.step("fetch", async () => 1);
    await rb.log("between");
    await rb.step("fetch", async () => 2);
  },
});
export default defineWorkspace({ name: "twin", actions: [], runbooks: [twice] });
`,
      );
      await assert.rejects(loadWorkspace(file), (error: Error) => {
        assert.ok(error instanceof WorkspaceProblemsError);
        assert.deepEqual(error.problems, [
          'runbook "twice_named": two steps are named "fetch"; give each a unique name ({ step: "..." }).',
        ]);
        return true;
      });
      const checked = await runAirlock(["check", "--config", file], {});
      assert.equal(checked.code, 1);
      assert.match(checked.err, /runbook "twice_named": two steps are named "fetch"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a waiting runbook can be cancelled, audited with who and why; the steps done stay done", async () => {
    const started = await call(operator, "/api/v1/runbooks/settle/runs", { params: { account: "acc_3" } });
    const id = started.body.id as string;
    await until("the human step", async () =>
      (await runbookRun(operator, id)).status === "waiting" ? true : undefined,
    );
    const byAnalyst = await call(analyst, `/api/v1/runbook-runs/${id}/cancel`, { reason: "no" });
    assert.equal(byAnalyst.status, 403, "cancelling needs run on the runbook");
    const cancelled = await call(operator, `/api/v1/runbook-runs/${id}/cancel`, {
      reason: "customer withdrew",
    });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, "cancelled");
    assert.equal(cancelled.body.cancelledBy, operator.id);
    assert.equal(cancelled.body.cancelReason, "customer withdrew");
    assert.deepEqual(
      cancelled.body.steps.map((s: Row) => [s.name, s.status]),
      [
        ["add_entry", "succeeded"],
        ["compute", "succeeded"],
        ["input", "cancelled"],
      ],
    );
    const late = await call(analyst, `/api/v1/runbook-runs/${id}/steps/input/answer`, {
      answer: { decision: "go", note: "too late" },
    });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, "runbook.step_not_waiting");
    const twice = await call(operator, `/api/v1/runbook-runs/${id}/cancel`, {});
    assert.equal(twice.status, 409);
    const audit = await t.airlock.database.pool.query(
      "SELECT actor_id, reason FROM airlock.audit_events WHERE target_id = $1 AND type = 'runbook.cancelled'",
      [id],
    );
    assert.deepEqual(audit.rows, [{ actor_id: operator.id, reason: "customer withdrew" }]);
  });

  test("a runbook cancelled while an action step runs: the step's run and effects roll back, no later step runs", async () => {
    const started = await call(operator, "/api/v1/runbooks/slow/runs", {});
    const id = started.body.id as string;
    await slowGate.entered.promise;
    const shown = await until("the slow step shown as running", async () => {
      const step = (await runbookRun(operator, id)).steps.find((s: Row) => s.name === "slow");
      return step?.status === "running" ? step : undefined;
    });
    assert.equal(shown.runId, null, "its run is not committed yet");
    const cancelled = await call(operator, `/api/v1/runbook-runs/${id}/cancel`, { reason: "wrong account" });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    slowGate.release.resolve();
    const pool = t.airlock.database.pool;
    await until("the step's run rolled back", async () => {
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%INSERT INTO public.rb_ledger%' AND state <> 'idle' AND pid <> pg_backend_pid()",
      );
      return rows[0].n === 0 ? true : undefined;
    });
    await until("the workflow's end", async () => {
      const state = await t.airlock.runbooks.engine()!.state(id);
      return state && state.status !== "PENDING" ? state : undefined;
    });
    const run = await runbookRun(operator, id);
    assert.equal(run.status, "cancelled");
    assert.deepEqual(
      run.steps.map((s: Row) => [s.name, s.status, s.runId]),
      [["slow", "cancelled", null]],
    );
    const runs = await pool.query(
      "SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key LIKE $1",
      [`rb:${id}:%`],
    );
    assert.equal(runs.rows[0].n, 0, "no run of either step committed");
    const amounts = (await ledger()).map((r: Row) => r.amount);
    assert.ok(!amounts.includes(11) && !amounts.includes(12), `ledger: ${amounts}`);
  });

  test("a failed runbook is retried from its failed step; the steps before it are not repeated", async () => {
    const started = await call(operator, "/api/v1/runbooks/flaky/runs", {});
    const id = started.body.id as string;
    const failed = await until("the failure", async () => {
      const run = await runbookRun(operator, id);
      return run.status === "failed" ? run : undefined;
    });
    assert.deepEqual(failed.error, {
      code: "runbook.step_failed",
      message: "the switch is broken",
      step: "check",
    });
    const notYet = await call(analyst, `/api/v1/runbook-runs/${id}/retry`, {});
    assert.equal(notYet.status, 404, "the analyst may not see this runbook");

    const owner = await ownerClient(t.database.url);
    await owner.query("UPDATE public.rb_switch SET broken = false");
    await owner.end();
    const retried = await call(operator, `/api/v1/runbook-runs/${id}/retry`, {});
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    assert.equal(retried.body.attempt, 2);
    const done = await until("the retried run's end", async () => {
      const run = await runbookRun(operator, id);
      return run.status === "succeeded" ? run : undefined;
    });
    assert.deepEqual(
      done.steps.map((s: Row) => [s.name, s.status]),
      [
        ["add_entry", "succeeded"],
        ["check", "succeeded"],
        ["second_entry", "succeeded"],
      ],
    );
    const amounts = (await ledger()).map((r: Row) => r.amount).filter((a: number) => a === 7 || a === 8);
    assert.deepEqual(amounts, [7, 8], "the first entry was made once");
    const again = await call(operator, `/api/v1/runbook-runs/${id}/retry`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "runbook.invalid_transition");
  });

  test("the CLI starts a runbook, answers its human step and shows every step with who answered", async () => {
    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const as = (user: TestUser, args: string[]) =>
        runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });
      const started = await as(operator, ["runbook", "start", "settle", "--param", "account=acc_cli"]);
      assert.equal(started.code, 3, started.err);
      const id = /runbook run (rbr_\w+)/.exec(started.out)?.[1];
      assert.ok(id, started.out);
      await until("the human step", async () =>
        (await runbookRun(operator, id)).status === "waiting" ? true : undefined,
      );
      const answered = await as(analyst, [
        "input",
        id,
        "--field",
        "decision=stop",
        "--field",
        "note=not today",
      ]);
      assert.equal(answered.code, 0, answered.err);
      assert.match(answered.out, /Answered input\./);
      await until("the end", async () =>
        (await runbookRun(operator, id)).status === "succeeded" ? true : undefined,
      );
      const status = await as(operator, ["runbook", "status", id]);
      assert.equal(status.code, 0, status.err);
      assert.match(status.out, /^succeeded {2}runbook run/);
      assert.match(status.out, /input\s+input\s+succeeded\s+Ana Analyst/);
    } finally {
      await server.close(100);
    }
  });

  test("a run committed but never handed to the engine (a crash in between) is started by the sweep", async () => {
    const pool = t.airlock.database.pool;
    const owner = await ownerClient(t.database.url);
    await owner.query("UPDATE public.rb_switch SET broken = false");
    await owner.end();
    await pool.query(
      `INSERT INTO airlock.runbook_runs (id, runbook, version, status, params, actor_id, request_id, workflow_id, updated_at)
       VALUES ('rbr_orphan', 'flaky', '1', 'running', '{}', $1, 'req_orphan', 'rbr_orphan', now() - interval '2 minutes')`,
      [operator.id],
    );
    assert.deepEqual(await t.airlock.runbooks.sweep(), ["rbr_orphan"]);
    await until("the orphan's end", async () => {
      const run = await runbookRun(operator, "rbr_orphan");
      return run.status === "succeeded" ? run : undefined;
    });
    assert.deepEqual(await t.airlock.runbooks.sweep(), [], "a finished run is not started again");
  });

  test("an action step run again after its key's claim expired (an outage longer than 24 h) finds its run instead of running twice", async () => {
    const pool = t.airlock.database.pool;
    const started = await call(operator, "/api/v1/runbooks/single/runs", { params: {} });
    const id = started.body.id as string;
    const first = await until("the first end", async () => {
      const run = await runbookRun(operator, id);
      return run.status === "succeeded" ? run : undefined;
    });
    const key = `rb:${id}:1:entry`;
    // The key's claim expires and is pruned, as after 24 h; then the step runs again from before
    // its checkpoint (what a resume after a crash inside the step does), with the same attempt.
    await pool.query("DELETE FROM airlock.idempotency_keys WHERE actor_id = $1 AND key = $2", [
      operator.id,
      key,
    ]);
    await pool.query(
      "UPDATE airlock.runbook_runs SET status = 'running', finished_at = NULL, workflow_id = $2 WHERE id = $1",
      [id, `${id}.again`],
    );
    await pool.query("UPDATE airlock.runbook_steps SET status = 'running' WHERE runbook_run_id = $1", [id]);
    await forkRunbookRun(t.airlock.runbooks.engine()!, pool, { id, workflowId: id }, "entry", `${id}.again`);
    const again = await until("the second end", async () => {
      const run = await runbookRun(operator, id);
      return run.status !== "running" ? run : undefined;
    });
    assert.equal(again.status, "succeeded", JSON.stringify(again.error));
    assert.equal(again.steps[0].runId, first.steps[0].runId, "the step settled with its first run");
    const runs = await pool.query("SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key = $1", [
      key,
    ]);
    assert.equal(runs.rows[0].n, 1);
    const entries = await pool.query("SELECT count(*)::int AS n FROM public.rb_ledger WHERE reference = $1", [
      `${operator.id}:${key}`,
    ]);
    assert.equal(entries.rows[0].n, 1, "the handler's key (actor:key) made one ledger entry");
  });

  test("a finished runbook replayed from every recorded operation (a resume) takes the held step's wait again and repeats no effect", async () => {
    const pool = t.airlock.database.pool;
    const started = await call(operator, "/api/v1/runbooks/held/runs", {});
    const id = started.body.id as string;
    const big = await until("the held step", async () => {
      const step = (await runbookRun(operator, id)).steps.find((s: Row) => s.name === "big");
      return step?.status === "waiting" && step.runId ? step : undefined;
    });
    const pending = await call(manager, "/api/v1/approvals?status=pending");
    const request = pending.body.approvals.find((a: Row) => a.runId === big.runId);
    assert.ok(request, "the step's run is in the manager's inbox");
    const approved = await call(manager, `/api/v1/approvals/${request.id}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const first = await until("the first end", async () => {
      const run = await runbookRun(operator, id);
      return run.status === "succeeded" ? run : undefined;
    });
    // Replayed as a resume after a crash replays: every operation the engine recorded is copied
    // with its output, and the workflow body runs again from its first line.
    const engine = t.airlock.runbooks.engine()!;
    const operations = await engine.operations(id);
    assert.ok(
      operations.some((o) => o.name === "DBOS.recv"),
      "the held step waited through the engine",
    );
    await pool.query(
      "UPDATE airlock.runbook_runs SET status = 'running', finished_at = NULL, workflow_id = $2 WHERE id = $1",
      [id, `${id}.replay`],
    );
    await engine.fork(id, operations.length, `${id}.replay`);
    const again = await until("the replay's end", async () => {
      const run = await runbookRun(operator, id);
      return run.status !== "running" ? run : undefined;
    });
    assert.equal(again.status, "succeeded", JSON.stringify(again.error));
    assert.deepEqual(
      again.steps.map((s: Row) => [s.name, s.status, s.runId]),
      first.steps.map((s: Row) => [s.name, s.status, s.runId]),
    );
    const runs = await pool.query(
      "SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key LIKE $1",
      [`rb:${id}:%`],
    );
    assert.equal(runs.rows[0].n, 2);
    const amounts = (await ledger()).map((r: Row) => r.amount).filter((a: number) => a === 300 || a === 4);
    assert.deepEqual(amounts, [4, 300]);
  });

  test("definition mistakes are refused at load with the runbook's name", () => {
    const broken = defineWorkspace({
      name: "broken",
      actions: [addEntry],
      runbooks: [
        defineRunbook({
          name: "add_entry",
          title: "Clash",
          params: z.object({}),
          uses: [],
          handler: async () => {},
        }),
        defineRunbook({
          name: "lost",
          title: "A",
          params: z.object({}),
          uses: ["missing_action"],
          handler: async () => {},
        }),
        defineRunbook({ name: "twice", title: "B", params: z.object({}), uses: [], handler: async () => {} }),
        defineRunbook({ name: "twice", title: "C", params: z.object({}), uses: [], handler: async () => {} }),
      ],
    });
    assert.throws(
      () => compileWorkspace(broken),
      (error: Error) =>
        error.message.includes('runbooks[0] (add_entry): the name "add_entry" is already an action') &&
        error.message.includes(
          'runbooks[1] (lost): uses the action "missing_action", which does not exist',
        ) &&
        error.message.includes('runbooks[3] (twice): the name "twice" is used by two runbooks'),
    );
  });
});
