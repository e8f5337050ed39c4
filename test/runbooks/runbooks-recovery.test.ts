// Runbooks stopped and recovered, through the real HTTP app on real PostgreSQL and the real durable
// engine: cancel (audited, steps done stay done; an action step running at the time rolls back),
// retry from the failed step (the steps before it not repeated), a run never handed to the engine
// started by the sweep, and resumes (an action step run again after its key's claim expired, a
// finished runbook replayed from every recorded operation) that repeat no effect.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { forkRunbookRun } from "../../src/runbooks/runbook-fork.ts";
import { ownerClient } from "../../src/store/database.ts";
import { until } from "../support/until.ts";
import {
  analyst,
  call,
  ledger,
  manager,
  operator,
  type Row,
  runbookRun,
  slowGate,
  t,
  withRunbooksAirlock,
} from "./support/runbooks-airlock.ts";

withRunbooksAirlock();

describe("runbooks", () => {
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
});
