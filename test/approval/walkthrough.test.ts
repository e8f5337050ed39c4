// The "resolved when" scenario, end to end over the HTTP API, with the fixture workspace's
// credit (approval above 10,000 minor units by a member of `managers`): a $250 credit is held,
// the requester's own approval is refused, a manager approves, it executes once with the stored
// parameters, and the record shows requester, approver, policy, both request IDs and the
// before/after balance; a $50 credit runs directly; in monitor mode a $250 credit runs and shows
// up in the report.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TestAirlock } from "../support/test-airlock.ts";
import {
  asOwner,
  type Cast,
  decide,
  effects,
  getJson,
  requestApproval,
  startApprovalAirlock,
  submit,
  waitForRun,
} from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;

before(async () => {
  ({ t, cast } = await startApprovalAirlock());
  await asOwner(t, "INSERT INTO fixture.balances (account, balance) VALUES ('acc_walk', 1000)");
});
after(async () => {
  await t.close();
});

test("request → self-approval refused → manager approves → executed once → accountable; monitor mode", async () => {
  const credit = { account: "acc_walk", amount: 25_000, note: "refund for outage" };
  const { run, approvalId } = await requestApproval(t, cast.operator, "credit_queued", credit, {
    "x-request-id": "req-walkthrough-ask",
  });
  assert.equal(run.requestId, "req-walkthrough-ask");

  const self = await decide(t, cast.operator, approvalId, "approve");
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, "approval.self_approval");

  const inbox = await getJson(t, cast.manager, "/api/v1/approvals?status=pending");
  assert.ok(inbox.body.approvals.some((a: { id: string }) => a.id === approvalId));
  const approved = await decide(t, cast.manager, approvalId, "approve", {
    reason: "outage credit, ticket 123",
  });
  assert.equal(approved.status, 200);
  assert.equal(approved.body.approval.status, "approved");

  const done = await waitForRun(t, run.id, ["succeeded", "failed"]);
  assert.equal(done.status, "succeeded", done.error_message);
  const posted = await effects(t, { account: "acc_walk" });
  assert.deepEqual(
    posted.map((e) => [e.run_id, e.amount]),
    [[run.id, 25_000]],
    "executed once, with the stored parameters",
  );

  // The run: both request IDs.
  const shown = await getJson(t, cast.operator, `/api/v1/runs/${run.id}`);
  assert.equal(shown.body.status, "succeeded");
  assert.equal(shown.body.requestId, "req-walkthrough-ask");
  assert.match(shown.body.executionRequestId, /^req_/);
  assert.equal(shown.body.approvalRequestId, approvalId);
  // The approval record: requester, approver, policy, request IDs, before/after balance.
  const record = await getJson(t, cast.auditor, `/api/v1/approvals/${approvalId}`);
  assert.equal(record.body.requester.name, "Olive Operator");
  assert.deepEqual(
    record.body.decisions.map((d: { reviewer: { name: string }; decision: string; reason: string }) => [
      d.reviewer.name,
      d.decision,
      d.reason,
    ]),
    [["Mia Manager", "approve", "outage credit, ticket 123"]],
  );
  assert.deepEqual(
    record.body.policies.map((p: { name: string; satisfied: boolean }) => [p.name, p.satisfied]),
    [["credit_queued.approval", true]],
  );
  assert.equal(record.body.run.requestId, "req-walkthrough-ask");
  assert.equal(record.body.run.executionRequestId, shown.body.executionRequestId);
  assert.deepEqual(record.body.run.snapshotBefore, { balance: 1000 });
  assert.deepEqual(record.body.run.snapshotAfter, { balance: 26_000 });
  const trail = await t.airlock.database.pool.query(
    "SELECT type, actor_id, request_id, parent_request_id FROM airlock.audit_events WHERE run_id = $1 ORDER BY id",
    [run.id],
  );
  assert.deepEqual(
    trail.rows.map((e) => [
      e.type,
      e.actor_id,
      e.request_id === shown.body.executionRequestId ? "exec" : e.request_id,
    ]),
    [
      ["run.requested", cast.operator.id, "req-walkthrough-ask"],
      ["approval.requested", cast.operator.id, "req-walkthrough-ask"],
      ["approval.refused", cast.operator.id, self.body.error.requestId],
      ["approval.approved", cast.manager.id, trail.rows[3].request_id],
      ["run.started", cast.operator.id, "exec"],
      ["run.succeeded", cast.operator.id, "exec"],
    ],
  );
  assert.equal(trail.rows[5].parent_request_id, "req-walkthrough-ask");

  // A $50 credit needs nobody.
  const small = await submit(t, cast.operator, "credit_queued", { account: "acc_walk", amount: 5_000 });
  assert.equal(small.status, 200);
  assert.equal(small.body.status, "succeeded");

  // Monitor mode: a $250 credit runs and shows up in the report.
  const switched = await t.post(
    "/api/v1/policies/credit_queued.approval/mode",
    { mode: "monitor", reason: "collect evidence for a month" },
    cast.admin.headers,
  );
  assert.equal(switched.status, 200);
  const monitored = await submit(t, cast.operator, "credit_queued", { account: "acc_walk", amount: 25_000 });
  assert.equal(monitored.status, 200, JSON.stringify(monitored.body));
  assert.equal(monitored.body.status, "succeeded");
  const report = await getJson(t, cast.admin, "/api/v1/policies/report");
  const row = report.body.policies.find((p: { policy: string }) => p.policy === "credit_queued.approval");
  assert.equal(row.mode, "monitor");
  assert.equal(row.totals.wouldHaveGated, 1);
  assert.equal(row.totals.requested, 1);
  assert.equal(row.totals.approved, 1);
  assert.deepEqual(
    row.byRequester.map((r: { name: string; wouldHaveGated: number; requested: number }) => [
      r.name,
      r.wouldHaveGated,
      r.requested,
    ]),
    [["Olive Operator", 1, 1]],
  );
});
