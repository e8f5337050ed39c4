// The decision rules, one by one: who may approve, reject or cancel, and what each refusal is.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";
import {
  asOwner,
  audit,
  type Cast,
  decide,
  effects,
  getJson,
  requestApproval,
  runRow,
  startApprovalAirlock,
  waitForRun,
} from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;

before(async () => {
  ({ t, cast } = await startApprovalAirlock());
});
after(async () => {
  await t.close();
});

const BIG = { account: "acc_rules", amount: 25_000 };

async function refusals(approvalId: string) {
  return (await audit(t, { approvalRequestId: approvalId, type: "approval.refused" })).map(
    (e) => e.error_code,
  );
}

describe("segregation of duties", () => {
  test("the requester can never decide their own request: approve or reject, admins included", async () => {
    for (const requester of [cast.operator, cast.admin]) {
      const { approvalId, run } = await requestApproval(t, requester, "credit_queued", BIG);
      for (const verb of ["approve", "reject"] as const) {
        const res = await decide(t, requester, approvalId, verb, { reason: "looks fine to me" });
        assert.equal(res.status, 403, JSON.stringify(res.body));
        assert.equal(res.body.error.code, "approval.self_approval");
      }
      // Through every declared channel label too: the rules do not depend on it.
      for (const channel of ["web", "cli", "api", "slack"]) {
        const res = await decide(t, requester, approvalId, "approve", {}, { "x-airlock-client": channel });
        assert.equal(res.body.error.code, "approval.self_approval");
      }
      assert.deepEqual(await refusals(approvalId), Array(6).fill("approval.self_approval"));
      assert.equal((await runRow(t, run.id)).status, "pending_approval");
      const view = await getJson(t, requester, `/api/v1/approvals/${approvalId}`);
      assert.equal(view.body.canDecide, false);
      assert.equal(view.body.whyNot.code, "approval.self_approval");
      assert.equal(view.body.canCancel, true);
    }
  });

  test("service identities cannot decide, even holding approve", async () => {
    const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    const bot = await t.airlock.database.pool.query(
      "SELECT id FROM airlock.users WHERE kind = 'service' AND name = 'fixture-bot'",
    );
    const { createApiToken } = await import("../../src/identity/api-tokens.ts");
    const { token } = await createApiToken(t.airlock.database.pool, {
      userId: bot.rows[0].id,
      name: "bot",
      createdBy: cast.admin.id,
    });
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const res = await t.post(`/api/v1/approvals/${approvalId}/approve`, {}, headers);
    const body = await res.json();
    assert.equal(res.status, 403);
    assert.equal(body.error.code, "approval.service_identity");
    assert.deepEqual(await refusals(approvalId), ["approval.service_identity"]);
  });

  test("a reviewer must hold approve AND be among the request's reviewers", async () => {
    // close_account: close.managers (group approvers) AND close.compliance (group compliance, user CFO).
    const { approvalId } = await requestApproval(t, cast.clerk, "close_account", { account: "acc_c1" });
    // Holds approve on the action (treasury), but no policy lists them.
    const treasurer = await decide(t, cast.treasurer, approvalId, "approve");
    assert.equal(treasurer.status, 403);
    assert.equal(treasurer.body.error.code, "approval.not_reviewer");
    // Holds approve on billing only: cannot even see a review-lab request.
    const manager = await decide(t, cast.manager, approvalId, "approve");
    assert.equal(manager.status, 404);
    assert.equal(manager.body.error.code, "approval.not_found");
    // Listed by email (case-insensitively) and holding approve: counts for close.compliance.
    const cfo = await decide(t, cast.cfo, approvalId, "approve", { reason: "books are clean" });
    assert.equal(cfo.status, 200, JSON.stringify(cfo.body));
    assert.equal(cfo.body.approval.status, "pending", "close.managers still needs its approver");
    assert.deepEqual(
      cfo.body.approval.quorum.map((q: { name: string; approvals: number }) => [q.name, q.approvals]),
      [
        ["close.managers", 0],
        ["close.compliance", 1],
      ],
    );
    // Listed (same email) but without approve: a user that exists only in the policy is not enough.
    const noGrant = await createUser(t.airlock.database.pool, {
      email: "CFO2@fixture.test",
      groups: ["clerks"],
    });
    const { approvalId: second } = await requestApproval(t, cast.clerk, "close_account", {
      account: "acc_c2",
    });
    assert.equal((await decide(t, noGrant, second, "approve")).body.error.code, "approval.not_found");
    // Every policy must reach its quorum (AND): one approver of close.managers completes it.
    const done = await decide(t, cast.approver1, approvalId, "approve");
    assert.equal(done.status, 200);
    assert.equal(done.body.approval.status, "approved");
    assert.equal(done.body.run.status, "queued");
    await waitForRun(t, done.body.run.id, ["succeeded"]);
  });

  test("quorum counts distinct humans: the same reviewer twice is refused and counts once", async () => {
    const { approvalId, run } = await requestApproval(t, cast.clerk, "credit_dual", {
      account: "acc_dual",
      amount: 50_000,
    });
    const first = await decide(t, cast.approver1, approvalId, "approve");
    assert.equal(first.status, 200);
    assert.equal(first.body.approval.status, "pending");
    assert.equal(first.body.approval.quorum[0].approvals, 1);
    const again = await decide(t, cast.approver1, approvalId, "approve");
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "approval.already_decided");
    // Nor can they change their mind: decisions are final.
    const flip = await decide(t, cast.approver1, approvalId, "reject", { reason: "changed my mind" });
    assert.equal(flip.body.error.code, "approval.already_decided");
    assert.equal((await runRow(t, run.id)).status, "pending_approval");
    const second = await decide(t, cast.approver2, approvalId, "approve");
    assert.equal(second.status, 200);
    assert.equal(second.body.approval.status, "approved");
    await waitForRun(t, run.id, ["succeeded"]);
    assert.equal((await effects(t, { runId: run.id })).length, 1);
    const lateReviewer = await createUser(t.airlock.database.pool, { groups: ["approvers"] });
    const closed = await decide(t, lateReviewer, approvalId, "approve");
    assert.equal(closed.status, 409);
    assert.equal(closed.body.error.code, "approval.not_pending");
  });
});

describe("rejecting and cancelling", () => {
  test("a rejection needs a reason; then the run is rejected and never executes", async () => {
    const { approvalId, run } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    for (const body of [{}, { reason: "   " }]) {
      const res = await decide(t, cast.manager, approvalId, "reject", body);
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, "approval.reason_required");
    }
    const res = await decide(t, cast.manager, approvalId, "reject", { reason: "no ticket for this" });
    assert.equal(res.status, 200);
    assert.equal(res.body.approval.status, "rejected");
    assert.equal(res.body.run.status, "rejected");
    const types = (await audit(t, { approvalRequestId: approvalId })).map((e) => e.type);
    assert.deepEqual(types, [
      "run.requested",
      "approval.requested",
      "approval.refused",
      "approval.refused",
      "approval.rejected",
      "run.rejected",
    ]);
    const rejected = (await audit(t, { approvalRequestId: approvalId, type: "approval.rejected" }))[0];
    assert.equal(rejected.actor_id, cast.manager.id);
    assert.equal(rejected.reason, "no ticket for this");
    assert.equal(rejected.parent_request_id, run.requestId);
    assert.equal(
      (await decide(t, cast.manager2, approvalId, "approve")).body.error.code,
      "approval.not_pending",
    );
    assert.equal((await effects(t, { runId: run.id })).length, 0);
  });

  test("only the requester may cancel; a cancelled request cannot be approved", async () => {
    const { approvalId, run } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    const byManager = await decide(t, cast.manager, approvalId, "cancel");
    assert.equal(byManager.status, 403);
    assert.equal(byManager.body.error.code, "approval.not_requester");
    const byOutsider = await decide(t, cast.outsider, approvalId, "cancel");
    assert.equal(byOutsider.status, 404);
    const cancelled = await decide(t, cast.operator, approvalId, "cancel", { reason: "wrong account" });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.approval.status, "cancelled");
    assert.equal(cancelled.body.run.status, "cancelled");
    const approve = await decide(t, cast.manager, approvalId, "approve");
    assert.equal(approve.status, 409);
    assert.equal(approve.body.error.code, "approval.not_pending");
    assert.equal(
      (await decide(t, cast.operator, approvalId, "cancel")).body.error.code,
      "approval.not_pending",
    );
    assert.equal((await effects(t, { runId: run.id })).length, 0);
  });
});

describe("bad requests", () => {
  test("missing, malformed and foreign ids are 404 with nothing leaked, and audited", async () => {
    const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    for (const id of [
      "apr_01JZZZZZZZZZZZZZZZZZZZZZZZ",
      "nope",
      "apr_' OR 1=1 --",
      "count%2F..",
      "x".repeat(300),
    ]) {
      const res = await decide(t, cast.manager, encodeURIComponent(id), "approve");
      assert.equal(res.status, 404, id);
      assert.equal(res.body.error.code, "approval.not_found", id);
    }
    // A user who is neither requester, reviewer nor auditor: 404 for the view and every decision.
    for (const verb of ["approve", "reject", "cancel"] as const) {
      const res = await decide(t, cast.outsider, approvalId, verb, { reason: "x" });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, "approval.not_found");
      assert.doesNotMatch(JSON.stringify(res.body), /acc_rules|credit_queued/);
    }
    const view = await getJson(t, cast.outsider, `/api/v1/approvals/${approvalId}`);
    assert.equal(view.status, 404);
    assert.equal(view.body.error.code, "approval.not_found");
    // The auditor may look (and is told they may not decide).
    const auditorView = await getJson(t, cast.auditor, `/api/v1/approvals/${approvalId}`);
    assert.equal(auditorView.status, 200);
    assert.equal(auditorView.body.whyNot.code, "approval.not_reviewer");
    const refused = await t.airlock.database.pool.query(
      `SELECT count(*)::int AS n FROM airlock.audit_events
        WHERE type = 'approval.refused' AND actor_id = $1 AND error_code = 'approval.not_found' AND approval_request_id = $2`,
      [cast.outsider.id, approvalId],
    );
    assert.equal(refused.rows[0].n, 3);
  });

  test("approving with parameters, or any unknown field, is refused: what runs is what was stored", async () => {
    const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    const res = await decide(t, cast.manager, approvalId, "approve", { params: { amount: 1 } });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "validation.failed");
  });

  test("a disabled reviewer's token is refused before any decision", async () => {
    const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    const reviewer = await createUser(t.airlock.database.pool, { groups: ["managers"] });
    await asOwner(t, "UPDATE airlock.users SET status = 'disabled' WHERE id = $1", [reviewer.id]);
    const res = await decide(t, reviewer, approvalId, "approve");
    assert.ok(res.status === 401 || res.status === 403, String(res.status));
    assert.match(res.body.error.code, /^auth\./);
    assert.equal(
      (
        await t.airlock.database.pool.query(
          "SELECT count(*)::int AS n FROM airlock.approval_decisions WHERE approval_request_id = $1",
          [approvalId],
        )
      ).rows[0].n,
      0,
    );
  });

  test("an expired request refuses decisions with approval.expired and is expired on the spot", async () => {
    const { approvalId, run } = await requestApproval(t, cast.operator, "credit_queued", BIG);
    await asOwner(
      t,
      "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1",
      [approvalId],
    );
    const res = await decide(t, cast.manager, approvalId, "approve");
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "approval.expired");
    const request = await t.airlock.database.pool.query(
      "SELECT status FROM airlock.approval_requests WHERE id = $1",
      [approvalId],
    );
    assert.equal(request.rows[0].status, "expired");
    assert.equal((await runRow(t, run.id)).status, "expired");
    const types = (await audit(t, { approvalRequestId: approvalId })).map((e) => e.type);
    assert.deepEqual(types.slice(-3), ["approval.expired", "run.expired", "approval.refused"]);
    assert.equal((await decide(t, cast.manager2, approvalId, "approve")).body.error.code, "approval.expired");
    assert.equal((await decide(t, cast.operator, approvalId, "cancel")).body.error.code, "approval.expired");
  });
});
