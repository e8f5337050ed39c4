// Runbooks through the real HTTP app on real PostgreSQL and the real durable engine, from start
// to end: a runbook whose action steps pass the control layer (a step held for approval waits for
// a manager in the inbox), with a human step answered by its assignee only (field errors, a stable
// 403, a second answer changing nothing), the same through the CLI, refusals at start with a
// problem list (two steps with one name included, found by a rehearsal before any step runs, or by
// the run itself in a loop), and definition mistakes refused at load. Cancel, retry and resume:
// runbooks-recovery.test.ts.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadWorkspace } from "../../src/config/load-workspace.ts";
import { defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { compileWorkspace, WorkspaceProblemsError } from "../../src/workspace/compile-workspace.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { until } from "../support/until.ts";
import type { TestUser } from "../support/users.ts";
import {
  addEntry,
  analyst,
  call,
  ledger,
  limited,
  manager,
  operator,
  outsider,
  type Row,
  runbookRun,
  t,
  twinRuns,
  withRunbooksAirlock,
} from "./support/runbooks-airlock.ts";

withRunbooksAirlock();

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
