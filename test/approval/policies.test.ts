// Monitoring mode, the policies report, and audited mode changes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { TestAirlock } from "../support/test-airlock.ts";
import {
  asOwner,
  audit,
  type Cast,
  decide,
  getJson,
  requestApproval,
  startApprovalAirlock,
  submit,
} from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;

before(async () => {
  ({ t, cast } = await startApprovalAirlock());
});
after(async () => {
  await t.close();
});

type Row = {
  action: string;
  policy: string;
  mode: string;
  totals: Record<string, number> & { shares: Record<string, number> | null };
  byRequester: { id: string; name: string; wouldHaveGated: number; requested: number }[];
  periods: { start: string; wouldHaveGated: number; requested: number }[];
};

async function report(user = cast.admin, query = "") {
  const res = await getJson(t, user, `/api/v1/policies/report${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { policies: Row[] };
}
const row = (r: { policies: Row[] }, policy: string) => r.policies.find((p) => p.policy === policy)!;

async function setMode(user: typeof cast.admin, name: string, body: unknown) {
  const res = await t.post(`/api/v1/policies/${name}/mode`, body, user.headers);
  return { status: res.status, body: await res.json() };
}

describe("monitor mode", () => {
  test("a monitored policy never blocks; the run records policy.would_require_approval", async () => {
    const res = await submit(t, cast.clerk, "credit_watch", { account: "acc_watch", amount: 50_000 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.approvalRequestId, null);
    const events = await audit(t, { runId: res.body.id, type: "policy.would_require_approval" });
    assert.equal(events.length, 1);
    assert.equal(events[0].data.policy, "credit_watch.approval");
    assert.deepEqual(events[0].data.reviewers, { groups: ["approvers"], users: [] });
    const small = await submit(t, cast.clerk, "credit_watch", { account: "acc_watch", amount: 50 });
    assert.equal((await audit(t, { runId: small.body.id, type: "policy.would_require_approval" })).length, 0);
    const r = row(await report(), "credit_watch.approval");
    assert.equal(r.mode, "monitor");
    assert.equal(r.totals.wouldHaveGated, 1);
    assert.equal(r.totals.requested, 0);
    assert.deepEqual(
      r.byRequester.map((b) => [b.name, b.wouldHaveGated]),
      [["Cleo Clerk", 1]],
    );
    assert.equal(
      r.periods.reduce((n, p) => n + p.wouldHaveGated, 0),
      1,
    );
  });
});

describe("the report", () => {
  test("for enforced policies: the share approved vs rejected vs expired, by requester", async () => {
    const big = (n: number) => ({ account: `acc_rep${n}`, amount: 30_000 + n });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const requester = i % 2 === 0 ? cast.operator : cast.operator2;
      const { approvalId } = await requestApproval(t, requester, "credit_queued", big(i));
      if (i < 2) await decide(t, cast.manager, approvalId, "approve");
      else if (i === 2) await decide(t, cast.manager, approvalId, "reject", { reason: "no" });
      else {
        await asOwner(
          t,
          "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 s' WHERE id = $1",
          [approvalId],
        );
        await t.airlock.approvals.sweeper.sweep();
      }
      outcomes.push(approvalId);
    }
    await requestApproval(t, cast.operator, "credit_queued", big(9)); // still pending
    const r = row(await report(), "credit_queued.approval");
    assert.equal(r.mode, "enforce");
    assert.equal(r.totals.requested, 5);
    assert.equal(r.totals.approved, 2);
    assert.equal(r.totals.rejected, 1);
    assert.equal(r.totals.expired, 1);
    assert.equal(r.totals.pending, 1);
    assert.deepEqual(r.totals.shares, { approved: 0.5, rejected: 0.25, expired: 0.25, cancelled: 0 });
    assert.deepEqual(r.byRequester.map((b) => [b.name, b.requested]).sort(), [
      ["Olive Operator", 3],
      ["Otto Operator", 2],
    ]);
    // A period that ends before any of it: nothing.
    const empty = row(
      await report(cast.admin, "?from=2020-01-01&to=2020-02-01&interval=day"),
      "credit_queued.approval",
    );
    assert.equal(empty.totals.requested, 0);
    assert.deepEqual(empty.periods, []);
  });

  test("readable with admin or audit on the action; others see no policies; bad periods are 400", async () => {
    const auditor = await report(cast.auditor);
    assert.ok(auditor.policies.some((p) => p.policy === "close.compliance"));
    assert.deepEqual((await report(cast.operator)).policies, []);
    assert.deepEqual((await report(cast.outsider)).policies, []);
    for (const q of [
      "?from=2025-02-01&to=2025-01-01",
      "?from=yesterday",
      "?interval=hour",
      "?from=2000-01-01",
    ]) {
      const res = await getJson(t, cast.admin, `/api/v1/policies/report${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body.error.code, "request.invalid_query");
    }
  });
});

describe("mode changes", () => {
  test("GET /api/v1/policies lists each policy with its effective mode, for admins and auditors", async () => {
    const admin = await getJson(t, cast.admin, "/api/v1/policies");
    const names = admin.body.policies.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(names, [
      "close.compliance",
      "close.managers",
      "credit_dual.approval",
      "credit_inline.approval",
      "credit_queued.approval",
      "credit_watch.approval",
    ]);
    const watch = admin.body.policies.find((p: { name: string }) => p.name === "credit_watch.approval");
    assert.equal(watch.mode, "monitor");
    assert.equal(watch.codeMode, "monitor");
    assert.equal(watch.override, null);
    assert.equal(watch.canChangeMode, true);
    const auditor = await getJson(t, cast.auditor, "/api/v1/policies");
    assert.equal(auditor.body.policies.length, 6);
    assert.ok(auditor.body.policies.every((p: { canChangeMode: boolean }) => !p.canChangeMode));
    assert.deepEqual((await getJson(t, cast.operator, "/api/v1/policies")).body.policies, []);
  });

  test("an admin of the action switches a policy to monitor and back; audited; effective at once", async () => {
    const big = { account: "acc_mode", amount: 60_000 };
    const denied = await setMode(cast.operator, "credit_inline.approval", {
      mode: "monitor",
      reason: "trial run",
    });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, "permission.denied");
    const hidden = await setMode(cast.outsider, "credit_inline.approval", {
      mode: "monitor",
      reason: "trial run",
    });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.error.code, "policy.not_found");
    assert.equal((await setMode(cast.admin, "no.such", { mode: "monitor", reason: "xyz" })).status, 404);
    for (const body of [
      { mode: "off", reason: "trial run" },
      { mode: "monitor" },
      { mode: "monitor", reason: " " },
    ]) {
      const res = await setMode(cast.admin, "credit_inline.approval", body);
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.equal(res.body.error.code, "validation.failed");
    }
    const deniedAudit = await t.airlock.database.pool.query(
      "SELECT data FROM airlock.audit_events WHERE type = 'permission.denied' AND actor_id = $1",
      [cast.operator.id],
    );
    assert.equal(deniedAudit.rows.at(-1).data.attempted, "policy.mode");

    const gated = await submit(t, cast.operator, "credit_inline", big);
    assert.equal(gated.status, 202);
    const changed = await setMode(cast.admin, "credit_inline.approval", {
      mode: "monitor",
      reason: "measure first",
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(
      [changed.body.changed, changed.body.from, changed.body.to],
      [true, "enforce", "monitor"],
    );
    const again = await setMode(cast.admin, "credit_inline.approval", {
      mode: "monitor",
      reason: "measure first",
    });
    assert.equal(again.body.changed, false);
    const ran = await submit(t, cast.operator, "credit_inline", big);
    assert.equal(ran.status, 200, JSON.stringify(ran.body));
    assert.equal(ran.body.status, "succeeded");
    const listed = await getJson(t, cast.admin, "/api/v1/policies");
    const policy = listed.body.policies.find((p: { name: string }) => p.name === "credit_inline.approval");
    assert.equal(policy.mode, "monitor");
    assert.equal(policy.codeMode, "enforce");
    assert.equal(policy.override.reason, "measure first");
    assert.equal(policy.override.changedBy, cast.admin.id);
    const r = row(await report(), "credit_inline.approval");
    assert.equal(r.mode, "monitor");
    assert.equal(r.totals.wouldHaveGated, 1);
    assert.equal(r.totals.requested, 1);

    const back = await setMode(cast.admin, "credit_inline.approval", {
      mode: "enforce",
      reason: "evidence is in",
    });
    assert.equal(back.body.changed, true);
    assert.equal((await submit(t, cast.operator, "credit_inline", { ...big, amount: 60_001 })).status, 202);
    const changes = await t.airlock.database.pool.query(
      "SELECT actor_id, reason, data FROM airlock.audit_events WHERE type = 'policy.mode_changed' ORDER BY id",
    );
    assert.deepEqual(
      changes.rows.map((c) => [c.actor_id, c.reason, c.data.policy, c.data.from, c.data.to]),
      [
        [cast.admin.id, "measure first", "credit_inline.approval", "enforce", "monitor"],
        [cast.admin.id, "evidence is in", "credit_inline.approval", "monitor", "enforce"],
      ],
    );
  });

  test("another process sees a mode change within the 2 s cache", async () => {
    const { createPolicyModes } = await import("../../src/approval/policy-modes.ts");
    const elsewhere = createPolicyModes(t.airlock.database.pool);
    const policy = t.airlock.workspace.actions.get("credit_dual")!.policies[0]!;
    assert.equal(await elsewhere.effectiveMode("credit_dual", policy), "enforce");
    await setMode(cast.admin, "credit_dual.approval", { mode: "monitor", reason: "cache check" });
    const started = Date.now();
    while ((await elsewhere.effectiveMode("credit_dual", policy)) !== "monitor") {
      assert.ok(Date.now() - started < 2_500, "took longer than the cache's 2 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
