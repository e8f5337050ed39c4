// The inbox, the badge count, the reviewer's view of one request, and idempotency across approval.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TestAirlock } from "../support/test-airlock.ts";
import {
  asOwner,
  type Cast,
  decide,
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
  await asOwner(t, "INSERT INTO fixture.balances (account, balance) VALUES ('acc_view', 4200)");
});
after(async () => {
  await t.close();
});

const ids = (list: { approvals: { id: string }[] }) => list.approvals.map((a) => a.id);

describe("inbox", () => {
  test("pending: what the caller may decide — eligible, not their own, not decided, not expired", async () => {
    const a = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_in1",
      amount: 20_000,
    });
    const b = await requestApproval(t, cast.operator2, "credit_queued", {
      account: "acc_in2",
      amount: 20_000,
    });
    const own = await requestApproval(t, cast.admin, "credit_queued", { account: "acc_in3", amount: 20_000 });
    const expired = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_in4",
      amount: 20_000,
    });
    const other = await requestApproval(t, cast.clerk, "credit_dual", { account: "acc_in5", amount: 20_000 });
    await asOwner(
      t,
      "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1",
      [expired.approvalId],
    );

    const admin = await getJson(t, cast.admin, "/api/v1/approvals?status=pending");
    assert.equal(admin.status, 200);
    assert.ok(ids(admin.body).includes(a.approvalId));
    assert.ok(ids(admin.body).includes(b.approvalId));
    assert.ok(!ids(admin.body).includes(own.approvalId), "never their own");
    assert.ok(!ids(admin.body).includes(expired.approvalId), "never an expired one");
    assert.ok(
      !ids(admin.body).includes(other.approvalId),
      "holds approve on review-lab, but credit_dual's policy names only approvers",
    );
    const manager = await getJson(t, cast.manager, "/api/v1/approvals");
    assert.ok(ids(manager.body).includes(own.approvalId));
    assert.ok(!ids(manager.body).includes(other.approvalId), "no approve on review-lab");
    const approver = await getJson(t, cast.approver1, "/api/v1/approvals");
    assert.deepEqual(ids(approver.body), [other.approvalId]);
    const item = manager.body.approvals.find((x: { id: string }) => x.id === a.approvalId);
    assert.equal(item.requester.name, "Olive Operator");
    assert.equal(item.action, "credit_queued");
    assert.deepEqual(item.target, { type: "account", id: "acc_in1" });
    assert.equal(item.params.amount, 20_000);
    assert.equal(item.links.self, `/api/v1/approvals/${a.approvalId}`);

    const before = await getJson(t, cast.manager, "/api/v1/approvals/count");
    assert.equal(before.body.pending, manager.body.approvals.length);
    await decide(t, cast.manager, b.approvalId, "reject", { reason: "duplicate" });
    const after = await getJson(t, cast.manager, "/api/v1/approvals/count");
    assert.equal(after.body.pending, before.body.pending - 1);
    const decided = await getJson(t, cast.manager, "/api/v1/approvals?status=decided");
    assert.deepEqual(ids(decided.body), [b.approvalId]);
    assert.equal(decided.body.approvals[0].myDecision.decision, "reject");
    assert.equal(decided.body.approvals[0].status, "rejected");

    // The requester sees their own requests (and a badge count of those pending), never to decide.
    const mine = await getJson(t, cast.operator, "/api/v1/approvals?status=mine");
    assert.ok(ids(mine.body).includes(a.approvalId) && ids(mine.body).includes(expired.approvalId));
    assert.ok(!ids((await getJson(t, cast.operator, "/api/v1/approvals")).body).includes(a.approvalId));
    assert.equal((await getJson(t, cast.operator, "/api/v1/approvals/count")).body.pending, 0);
    assert.ok((await getJson(t, cast.operator, "/api/v1/approvals/count")).body.mine >= 1);
    // Nobody else's: outsiders and auditors have nothing to decide.
    assert.deepEqual(ids((await getJson(t, cast.outsider, "/api/v1/approvals")).body), []);
    assert.deepEqual(ids((await getJson(t, cast.auditor, "/api/v1/approvals")).body), []);
  });

  test("pages with a cursor; bad queries are 400", async () => {
    for (let i = 0; i < 5; i++)
      await requestApproval(t, cast.operator2, "credit_queued", {
        account: `acc_page${i}`,
        amount: 20_001 + i,
      });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { approvals: { id: string }[]; nextCursor: string | null } } =
        await getJson(
          t,
          cast.operator2,
          `/api/v1/approvals?status=mine&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
      assert.ok(page.body.approvals.length <= 2);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length >= 6);
    for (const q of ["status=everything", "limit=0", "limit=9999", "cursor=%%%", "cursor=bm9wZQ", "x=1"]) {
      const res = await getJson(t, cast.manager, `/api/v1/approvals?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.code, "request.invalid_query");
    }
  });
});

describe("one request, as a reviewer sees it", () => {
  test("action, masked parameters, requester, reason, policies and decisions, expiry, run, target state, recent runs", async () => {
    // Earlier runs on the same target, one by someone else.
    const earlier = await submit(t, cast.approver1, "close_account", { account: "acc_view" });
    assert.equal(earlier.status, 202);
    await decide(t, cast.cfo, earlier.body.approvalRequestId, "approve");
    const { approvalId, run } = await requestApproval(t, cast.clerk, "close_account", {
      account: "acc_view",
      contact: "jane.doe@example.com",
    });
    await decide(t, cast.complianceOfficer, approvalId, "approve", { reason: "kyc ok" });
    const view = await getJson(t, cast.approver2, `/api/v1/approvals/${approvalId}`);
    assert.equal(view.status, 200, JSON.stringify(view.body));
    const v = view.body;
    assert.equal(v.status, "pending");
    assert.deepEqual(v.action, {
      name: "close_account",
      title: "Close an account",
      version: v.action.version,
      risk: "critical",
    });
    assert.equal(v.requester.name, "Cleo Clerk");
    assert.equal(v.reason, "customer goodwill");
    assert.equal(v.params.account, "acc_view");
    assert.notEqual(v.params.contact, "jane.doe@example.com");
    assert.doesNotMatch(JSON.stringify(v), /jane\.doe@example\.com|owner@example\.com/);
    assert.deepEqual(
      v.policies.map((p: { name: string; quorum: number; approvals: number; satisfied: boolean }) => [
        p.name,
        p.quorum,
        p.approvals,
        p.satisfied,
      ]),
      [
        ["close.managers", 1, 0, false],
        ["close.compliance", 1, 1, true],
      ],
    );
    assert.equal(v.decisions.length, 1);
    assert.equal(v.decisions[0].reviewer.name, "Cole Compliance");
    assert.equal(v.decisions[0].reason, "kyc ok");
    assert.ok(Date.parse(v.expiresAt) > Date.now() + 23 * 3_600_000, "default expiry: 24 h");
    assert.equal(v.run.status, "pending_approval");
    assert.equal(v.run.requestId, run.requestId);
    assert.deepEqual(v.targetState, {
      available: true,
      state: { balance: 4200, owner: v.targetState.state.owner },
    });
    assert.equal(v.recentRuns.length, 1);
    assert.equal(v.recentRuns[0].id, earlier.body.id);
    assert.equal(v.recentRuns[0].actor.name, "Abe Approver");
    assert.equal(v.canDecide, true);
    assert.equal(v.whyNot, null);
    assert.equal(v.canCancel, false);
    // The compliance officer already decided; the clerk asked.
    assert.equal(
      (await getJson(t, cast.complianceOfficer, `/api/v1/approvals/${approvalId}`)).body.whyNot.code,
      "approval.already_decided",
    );
    assert.equal(
      (await getJson(t, cast.clerk, `/api/v1/approvals/${approvalId}`)).body.whyNot.code,
      "approval.self_approval",
    );
  });

  test("describe(target) is read-only and time-limited; its failures show as unavailable, not 500", async () => {
    for (const account of ["acc_broken", "acc_sneaky", "acc_slow"]) {
      const { approvalId } = await requestApproval(t, cast.clerk, "close_account", { account });
      const started = Date.now();
      const view = await getJson(t, cast.approver1, `/api/v1/approvals/${approvalId}`);
      assert.equal(view.status, 200, account);
      assert.equal(view.body.targetState.available, false, account);
      assert.match(view.body.targetState.reason, /could not be loaded/);
      assert.ok(Date.now() - started < 5_000, `${account} took ${Date.now() - started} ms`);
    }
    const sneaky = await asOwner(
      t,
      "SELECT count(*)::int AS n FROM fixture.balances WHERE account = 'sneaky'",
    );
    assert.equal(sneaky.rows[0].n, 0, "describe could not write");
    // An action without describe: no target state at all.
    const { approvalId } = await requestApproval(t, cast.operator, "credit_queued", {
      account: "acc_nd",
      amount: 20_000,
    });
    assert.equal((await getJson(t, cast.manager, `/api/v1/approvals/${approvalId}`)).body.targetState, null);
  });
});

describe("idempotency across approval", () => {
  test("resubmitting with the same key returns the pending run (202), not a second request", async () => {
    const key = { "idempotency-key": "approve-me-once" };
    const params = { account: "acc_idem", amount: 40_000 };
    const first = await requestApproval(t, cast.operator, "credit_queued", params, key);
    for (let i = 0; i < 3; i++) {
      const again = await submit(t, cast.operator, "credit_queued", params, key);
      assert.equal(again.status, 202);
      assert.equal(again.body.id, first.run.id);
      assert.equal(again.body.approvalRequestId, first.approvalId);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
    }
    const changed = await submit(t, cast.operator, "credit_queued", { ...params, amount: 40_001 }, key);
    assert.equal(changed.status, 422);
    assert.equal(changed.body.error.code, "idempotency.mismatch");
    const count = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.approval_requests WHERE requester_id = $1 AND run_id = $2",
      [cast.operator.id, first.run.id],
    );
    assert.equal(count.rows[0].n, 1);
    const runs = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.runs WHERE actor_id = $1 AND idempotency_key = 'approve-me-once'",
      [cast.operator.id],
    );
    assert.equal(runs.rows[0].n, 1);
    // After approval and execution the same key replays the finished run.
    await decide(t, cast.manager, first.approvalId, "approve");
    await waitForRun(t, first.run.id, ["succeeded"]);
    const done = await submit(t, cast.operator, "credit_queued", params, key);
    assert.equal(done.status, 200);
    assert.equal(done.body.id, first.run.id);
    assert.equal(done.body.status, "succeeded");
  });
});
