// Controlled execution after approval. This instance runs no workers, so each test decides when
// the worker's step happens (a direct call to the executor), and can change the world between the
// approval and the execution: stored parameters, group memberships, the clock.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { executeQueuedRun } from "../../src/control/executor.ts";
import type { OutboxEvent } from "../../src/events/event-types.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import {
  asOwner,
  audit,
  type Cast,
  decide,
  effects,
  requestApproval,
  runRow,
  startApprovalAirlock,
} from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;

before(async () => {
  ({ t, cast } = await startApprovalAirlock({ env: { AIRLOCK_WORKER_CONCURRENCY: "0" } }));
});
after(async () => {
  await t.close();
});

const execute = (runId: string) =>
  executeQueuedRun(t.airlock.control.deps, { data: { runId }, retryCount: 0 });

async function approved(params: Record<string, unknown>, reviewer = cast.manager) {
  const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", params);
  const res = await decide(
    t,
    reviewer,
    approvalId,
    "approve",
    { reason: "ok" },
    { "x-request-id": `req-decide-${run.id}` },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.run.status, "queued");
  return { run, approvalId, decision: res.body };
}

describe("execution after approval", () => {
  test("runs once, from the stored parameters, under a fresh request ID linked to the original", async () => {
    const { run, approvalId, decision } = await approved({
      account: "acc_exec",
      amount: 25_000,
      note: "stored",
    });
    const queued = await runRow(t, run.id);
    assert.match(queued.execution_request_id, /^req_/);
    assert.notEqual(queued.execution_request_id, queued.request_id);
    assert.equal(decision.approval.executionRequestId, queued.execution_request_id);
    const request = await t.airlock.database.pool.query(
      "SELECT * FROM airlock.approval_requests WHERE id = $1",
      [approvalId],
    );
    assert.equal(request.rows[0].execution_request_id, queued.execution_request_id);
    await execute(run.id);
    await execute(run.id); // a duplicate delivery changes nothing
    const done = await runRow(t, run.id);
    assert.equal(done.status, "succeeded");
    assert.equal(
      done.result.requestId,
      queued.execution_request_id,
      "the handler saw the execution request ID",
    );
    assert.deepEqual(
      (await effects(t, { runId: run.id })).map((e) => e.amount),
      [25_000],
    );
    const events = await audit(t, { runId: run.id });
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    assert.deepEqual(
      events.map((e) => e.type),
      ["run.requested", "approval.requested", "approval.approved", "run.started", "run.succeeded"],
    );
    assert.equal(byType["run.requested"].request_id, run.requestId);
    assert.equal(byType["approval.approved"].request_id, `req-decide-${run.id}`);
    assert.equal(byType["approval.approved"].parent_request_id, run.requestId);
    assert.equal(byType["approval.approved"].actor_id, cast.manager.id);
    assert.equal(byType["approval.approved"].data.executionRequestId, queued.execution_request_id);
    assert.equal(byType["run.succeeded"].request_id, queued.execution_request_id);
    assert.equal(byType["run.succeeded"].parent_request_id, run.requestId);
    assert.equal(byType["run.succeeded"].data.after.balance, 25_000);
  });
});

describe("stale approvals never run", () => {
  async function assertRefused(runId: string, code: string) {
    await execute(runId);
    const run = await runRow(t, runId);
    assert.equal(run.status, "failed");
    assert.equal(run.error_code, code);
    assert.deepEqual(await effects(t, { runId }), []);
    const failed = await audit(t, { runId, type: "run.failed" });
    assert.equal(failed.length, 1);
    assert.equal(failed[0].error_code, code);
  }

  test("stored parameters changed after approval → approval.stale, no effect", async () => {
    const { run } = await approved({ account: "acc_stale", amount: 25_000 });
    await asOwner(
      t,
      "UPDATE airlock.runs SET params = jsonb_set(params::jsonb, '{amount}', '999999')::json WHERE id = $1",
      [run.id],
    );
    await assertRefused(run.id, "approval.stale");
  });

  test("the approver lost approve (group membership removed) → approval.stale", async () => {
    const { createUser } = await import("../support/users.ts");
    const reviewer = await createUser(t.airlock.database.pool, { groups: ["managers"] });
    const { run } = await approved({ account: "acc_grant", amount: 25_000 }, reviewer);
    await asOwner(t, "DELETE FROM airlock.group_members WHERE user_id = $1", [reviewer.id]);
    await assertRefused(run.id, "approval.stale");
  });

  test("the requester lost run → approval.stale", async () => {
    const { createUser } = await import("../support/users.ts");
    const requester = await createUser(t.airlock.database.pool, { groups: ["operators"] });
    const { run, approvalId } = await requestApproval(t, requester, "credit_queued", {
      account: "acc_req",
      amount: 25_000,
    });
    assert.equal((await decide(t, cast.manager, approvalId, "approve")).status, 200);
    await asOwner(t, "DELETE FROM airlock.group_members WHERE user_id = $1", [requester.id]);
    await assertRefused(run.id, "approval.stale");
  });

  test("the approval expired between approval and execution → approval.expired", async () => {
    const { run, approvalId } = await approved({ account: "acc_late", amount: 25_000 });
    await asOwner(
      t,
      "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1",
      [approvalId],
    );
    await assertRefused(run.id, "approval.expired");
  });
});

describe("the expiry sweeper", () => {
  test("expires pending requests past their expiry (request and run), audited, never runnable", async () => {
    const due = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_sweep",
      amount: 25_000,
    });
    const fresh = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_sweep",
      amount: 26_000,
    });
    await asOwner(
      t,
      "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 minute' WHERE id = $1",
      [due.approvalId],
    );
    const [a, b] = await Promise.all([
      t.airlock.approvals.sweeper.sweep(),
      t.airlock.approvals.sweeper.sweep(),
    ]);
    assert.equal(a + b, 1, "two overlapping sweeps expire it once");
    assert.equal(await t.airlock.approvals.sweeper.sweep(), 0);
    assert.equal((await runRow(t, due.run.id)).status, "expired");
    assert.equal((await runRow(t, fresh.run.id)).status, "pending_approval");
    const types = (await audit(t, { approvalRequestId: due.approvalId })).map((e) => e.type);
    assert.deepEqual(types, ["run.requested", "approval.requested", "approval.expired", "run.expired"]);
    const res = await decide(t, cast.manager, due.approvalId, "approve");
    assert.equal(res.body.error.code, "approval.expired");
    await execute(due.run.id);
    assert.equal((await runRow(t, due.run.id)).status, "expired");
    assert.deepEqual(await effects(t, { runId: due.run.id }), []);
  });
});

describe("events for notifications", () => {
  test("approval.requested, approval.decided and run.failed are delivered after commit", async () => {
    const seen: OutboxEvent[] = [];
    const events = t.airlock.approvals.events;
    const off = [
      events.on("approval.requested", (e) => {
        seen.push(e);
      }),
      events.on("approval.decided", (e) => {
        seen.push(e);
      }),
      events.on("run.failed", (e) => {
        seen.push(e);
      }),
    ];
    try {
      const { run, approvalId } = await approved({ account: "acc_events", amount: 25_000 });
      await asOwner(
        t,
        "UPDATE airlock.runs SET params = jsonb_set(params::jsonb, '{amount}', '1')::json WHERE id = $1",
        [run.id],
      );
      await execute(run.id);
      // A rolled-back change emits nothing: a decision refused, a transaction aborted.
      const pool = t.airlock.database.pool;
      const client = await pool.connect();
      await client.query("BEGIN");
      await client.query("UPDATE airlock.runs SET status = 'failed' WHERE id = $1", [run.id]);
      await client.query("ROLLBACK");
      client.release();
      // Delivery is at least once: a repeat carries the same event id, so count distinct ids.
      await drainUntil(events, () => seen.some((e) => e.type === "run.failed"));
      const byId = new Map(seen.map((e) => [e.id, e]));
      const mine = [...byId.values()].filter((e) => (e.payload as { runId: string }).runId === run.id);
      assert.deepEqual(
        mine.map((e) => e.type),
        ["approval.requested", "approval.decided", "run.failed"],
      );
      assert.equal((mine[0]!.payload as { approvalRequestId: string }).approvalRequestId, approvalId);
      assert.equal((mine[1]!.payload as { status: string }).status, "approved");
      assert.equal((mine[2]!.payload as { errorCode: string }).errorCode, "approval.stale");
      assert.doesNotMatch(JSON.stringify(mine), /acc_events|25000/, "ids only, never parameters");
      // A subscriber that throws gets the event again later; others are not re-delivered.
      let calls = 0;
      off.push(
        events.on("approval.requested", () => {
          calls++;
          if (calls === 1) throw new Error("smtp down");
        }),
      );
      await requestApproval(t, cast.operator, "credit_queued", { account: "acc_events2", amount: 25_000 });
      await drainUntil(events, () => calls > 0);
      assert.equal(calls, 1);
      // Its consumer waits out a backoff before the retry: skip the wait.
      await asOwner(t, "UPDATE airlock.event_consumers SET retry_at = now()");
      await events.drain();
      assert.equal(calls, 2);
    } finally {
      for (const stop of off) stop();
    }
  });
});

/**
 * drain() delivers what committed before it, unless a write transaction of this database stays
 * open longer than drain waits for it (seen under CI load); then a later drain delivers it.
 * Bounded: the event must arrive within 15 s.
 */
async function drainUntil(events: { drain(): Promise<number> }, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  await events.drain();
  while (!done()) {
    assert.ok(Date.now() < deadline, "the event was not delivered within 15 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await events.drain();
  }
}
