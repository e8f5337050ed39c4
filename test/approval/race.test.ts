// One approval, one execution — however many approve and execute calls race (reliability.md:
// "50 concurrent execute/approve calls → 1 execution"), and forced interleavings of approve
// against cancel and reject, using named race points.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { executeQueuedRun } from "../../src/control/executor.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import {
  type Cast,
  decide,
  effects,
  requestApproval,
  runRow,
  startApprovalAirlock,
  waitForRun,
} from "./approval-support.ts";

let t: TestAirlock;
// A second Airlock on the same database: another process's HTTP app and workers.
let other: TestAirlock["airlock"];
let cast: Cast;

// A gate held at a named race point: the first caller to reach it waits until released.
const gates = new Map<string, { arrive: () => void; release: Promise<void> }>();
function hold(name: string) {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((r) => {
    arrive = r;
  });
  gates.set(name, {
    arrive,
    release: new Promise<void>((r) => {
      release = r;
    }),
  });
  return { arrived, release: () => release() };
}

before(async () => {
  ({ t, cast } = await startApprovalAirlock({
    env: { AIRLOCK_DB_POOL_SIZE: "30" },
    async racePoint(name) {
      const gate = gates.get(name);
      if (!gate) return;
      gates.delete(name);
      gate.arrive();
      await gate.release;
    },
  }));
  const { startTestAirlock } = await import("../support/test-airlock.ts");
  const { fixtureWorkspace } = await import("../support/fixture-workspace.ts");
  other = (await startTestAirlock({ workspace: fixtureWorkspace, database: t.database })).airlock;
});
after(async () => {
  await other.close();
  await t.close();
});

const execute = (runId: string) =>
  executeQueuedRun(t.airlock.control.deps, { data: { runId }, retryCount: 0 });

async function reviewers(group: string, n: number): Promise<TestUser[]> {
  return await Promise.all(
    Array.from({ length: n }, () => createUser(t.airlock.database.pool, { groups: [group] })),
  );
}

describe("50 concurrent approve calls, plus execute races → one execution", () => {
  for (const [action, group, quorum] of [
    ["credit_queued", "managers", 1],
    ["credit_dual", "approvers", 2],
  ] as const) {
    test(`${action} (quorum ${quorum}): 25 distinct reviewers and one reviewer 25 times`, async () => {
      const requester = action === "credit_queued" ? cast.operator : cast.clerk;
      const { run, approvalId } = await requestApproval(t, requester, action, {
        account: `acc_race_${quorum}`,
        amount: 77_700,
      });
      const distinct = await reviewers(group, 25);
      const repeated = Array(25).fill(distinct[0]!) as TestUser[];
      const callers = [...distinct, ...repeated].sort(() => Math.random() - 0.5);
      const started = performance.now();
      const through = async (i: number, u: TestUser) => {
        if (i % 2 === 0) return await decide(t, u, approvalId, "approve");
        const res = await Promise.resolve(
          other.app.request(`/api/v1/approvals/${approvalId}/approve`, {
            method: "POST",
            headers: u.headers,
            body: "{}",
          }),
        );
        return { status: res.status, body: await res.json() };
      };
      // The first call is held just before its commit, holding the request's row lock: the other
      // 49 (half through each instance, as behind a load balancer) queue on that lock, and 10
      // execute calls run meanwhile — the run is still pending, so they must do nothing. Then
      // everything is released at once and both instances' workers compete for the job.
      // (Direct executor calls are not raced against a worker mid-run: the executor rightly reads
      // a delivery while its run is `running` as a dead worker's — control/executor.ts — and the
      // engine never delivers one job twice at once.)
      const gate = hold("approval.approve.before_commit");
      const first = through(0, callers[0]!);
      await gate.arrived;
      const rest = callers.slice(1).map((u, i) => through(i + 1, u));
      await Promise.all(Array.from({ length: 10 }, () => execute(run.id)));
      assert.equal((await runRow(t, run.id)).status, "pending_approval");
      gate.release();
      const decisions = await Promise.all([first, ...rest]);
      const ms = Math.round(performance.now() - started);
      await waitForRun(t, run.id, ["succeeded", "failed"]);
      // Late deliveries of the finished run change nothing.
      await Promise.all(Array.from({ length: 20 }, () => execute(run.id)));
      const statuses = decisions.map((d) => d.status);
      const codes = decisions.filter((d) => d.status !== 200).map((d) => d.body.error.code);
      assert.equal(statuses.filter((s) => s === 200).length, quorum, JSON.stringify(codes));
      assert.equal(statuses.filter((s) => s >= 500).length, 0);
      assert.ok(
        codes.every((c) => c === "approval.not_pending" || c === "approval.already_decided"),
        codes.join(),
      );
      assert.equal((await runRow(t, run.id)).status, "succeeded");
      assert.equal((await effects(t, { runId: run.id })).length, 1, "exactly one execution");
      const started_ = await t.airlock.database.pool.query(
        "SELECT count(*)::int AS n FROM airlock.audit_events WHERE run_id = $1 AND type = 'run.started'",
        [run.id],
      );
      assert.equal(started_.rows[0].n, 1);
      const recorded = await t.airlock.database.pool.query(
        "SELECT count(*)::int AS n FROM airlock.approval_decisions WHERE approval_request_id = $1",
        [approvalId],
      );
      assert.equal(recorded.rows[0].n, quorum, "refused calls record no decision");
      const jobs = await t.airlock.database.pool.query(
        "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'airlock.run' AND data->>'runId' = $1",
        [run.id],
      );
      // The one job the approvals enqueued was removed with its run's end; a second one would
      // still be here (waiting, or completed by the engine after finding the run finished).
      assert.equal(jobs.rows[0].n, 0, "the approvals enqueued one job, removed with its run's end");
      console.log(
        `# race ${action}: 50 approve calls over 2 instances + 30 execute calls; approvals in ${ms} ms → ${quorum} accepted, ` +
          `${codes.filter((c) => c === "approval.not_pending").length} not_pending, ` +
          `${codes.filter((c) => c === "approval.already_decided").length} already_decided, 1 execution`,
      );
    });
  }
});

describe("forced interleavings", () => {
  test("cancel arriving while an approval commits waits for it, then finds the request decided", async () => {
    const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_ac",
      amount: 30_000,
    });
    const gate = hold("approval.approve.before_commit");
    const approving = decide(t, cast.manager, approvalId, "approve");
    await gate.arrived;
    let cancelDone = false;
    const cancelling = decide(t, cast.operator, approvalId, "cancel").finally(() => {
      cancelDone = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(cancelDone, false, "cancel waits on the request's row lock");
    gate.release();
    const [approved, cancelled] = await Promise.all([approving, cancelling]);
    assert.equal(approved.status, 200);
    assert.equal(cancelled.status, 409);
    assert.equal(cancelled.body.error.code, "approval.not_pending");
    await waitForRun(t, run.id, ["succeeded"]);
    assert.equal((await effects(t, { runId: run.id })).length, 1);
  });

  test("approve arriving while a cancel commits finds it cancelled; nothing runs", async () => {
    const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_ca",
      amount: 30_000,
    });
    const gate = hold("approval.cancel.before_commit");
    const cancelling = decide(t, cast.operator, approvalId, "cancel");
    await gate.arrived;
    const approving = decide(t, cast.manager, approvalId, "approve");
    await new Promise((r) => setTimeout(r, 100));
    gate.release();
    const [cancelled, approved] = await Promise.all([cancelling, approving]);
    assert.equal(cancelled.status, 200);
    assert.equal(approved.body.error.code, "approval.not_pending");
    assert.equal((await runRow(t, run.id)).status, "cancelled");
    await execute(run.id);
    assert.deepEqual(await effects(t, { runId: run.id }), []);
  });

  test("quorum 2: a reject racing the completing approval — one wins, never both", async () => {
    const { run, approvalId } = await requestApproval(t, cast.clerk, "credit_dual", {
      account: "acc_rj",
      amount: 30_000,
    });
    assert.equal((await decide(t, cast.approver1, approvalId, "approve")).status, 200);
    const gate = hold("approval.after_decision");
    const rejecting = decide(t, cast.approver2, approvalId, "reject", { reason: "too large" });
    await gate.arrived;
    const third = await createUser(t.airlock.database.pool, { groups: ["approvers"] });
    const approving = decide(t, third, approvalId, "approve");
    await new Promise((r) => setTimeout(r, 100));
    gate.release();
    const [rejected, approved] = await Promise.all([rejecting, approving]);
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.approval.status, "rejected");
    assert.equal(approved.body.error.code, "approval.not_pending");
    assert.equal((await runRow(t, run.id)).status, "rejected");
    assert.deepEqual(await effects(t, { runId: run.id }), []);
  });
});
