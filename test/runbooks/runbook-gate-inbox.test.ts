// Approval gates in a runbook (`rb.approve`) in the approvals inbox, through the real HTTP app, the
// real CLI, real PostgreSQL and the real durable engine: a gate waits in GET /api/v1/approvals,
// its count and `airlock approvals` of its reviewers, never of its starter; it is decided at
// /api/v1/approvals/{id} and by `airlock approve|reject` under the step's rules (never the starter,
// reviewers only, a reason to reject, once), every decision and refusal audited. Deciding on the
// runbook run's step: runbook-gate-step.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import type { TestUser } from "../support/users.ts";
import {
  analyst,
  atGate,
  bystander,
  call,
  ended,
  type Json,
  lead,
  manager,
  prices,
  start,
  t,
  withGateAirlock,
} from "./support/gate-airlock.ts";

withGateAirlock();

describe("runbook approval gates", () => {
  test("a gate waits in GET /api/v1/approvals and `airlock approvals` of its reviewers only, beside runs, with its kind, runbook, step and run link", async () => {
    const id = await start(lead, "basic", 1900);
    await atGate(lead, id);
    const pending = async (user: TestUser) =>
      (await call(user, "/api/v1/approvals?status=pending")).body.approvals.filter(
        (a: Json) => a.runbookRunId === id,
      );
    const [item] = await pending(manager);
    assert.ok(item, "the manager's inbox lists the gate");
    const requestId = item.id;
    assert.deepEqual(
      {
        kind: item.kind,
        status: item.status,
        action: item.action,
        actionTitle: item.actionTitle,
        runbook: item.runbook,
        step: item.step,
        requester: item.requester,
        reason: item.reason,
        myDecision: item.myDecision,
        links: item.links,
      },
      {
        kind: "runbook_gate",
        status: "pending",
        action: "reprice",
        actionTitle: "Change a plan's price",
        runbook: "reprice",
        step: "approval",
        requester: { id: lead.id, name: "Lee Lead" },
        reason: "Set basic to 1900 cents",
        myDecision: null,
        links: {
          run: `/api/v1/runbook-runs/${id}`,
          approve: `/api/v1/runbook-runs/${id}/steps/approval/approve`,
          reject: `/api/v1/runbook-runs/${id}/steps/approval/reject`,
        },
      },
    );
    // Deny by default: the starter (a manager too) never, nor who may not approve the runbook.
    assert.deepEqual(await pending(lead), []);
    assert.deepEqual(await pending(analyst), []);
    assert.deepEqual(await pending(bystander), []);
    const mine = (await call(lead, "/api/v1/approvals?status=mine")).body.approvals;
    assert.deepEqual(
      mine.filter((a: Json) => a.id === requestId).map((a: Json) => [a.kind, a.step, a.status]),
      [["runbook_gate", "approval", "pending"]],
    );
    // The badge's count is the list's: the gate counts for the manager, not for the starter.
    const countOf = async (user: TestUser) => (await call(user, "/api/v1/approvals/count")).body;
    const before = await countOf(manager);
    assert.equal(
      before.pending,
      (await call(manager, "/api/v1/approvals?status=pending")).body.approvals.length,
    );
    assert.ok(before.pending >= 1);
    assert.equal((await countOf(analyst)).pending, 0);

    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const as = (user: TestUser, args: string[]) =>
        runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });
      const listed = await as(manager, ["approvals"]);
      assert.equal(listed.code, 0, listed.err);
      assert.match(
        listed.out,
        new RegExp(
          `${requestId}\\s+pending\\s+runbook reprice gate approval \\(${id}\\)\\s+by Lee Lead.*"Set basic to 1900 cents"`,
        ),
      );
      assert.match(listed.out, new RegExp(`decide: airlock approve\\|reject ${requestId} --reason TEXT`));
      const starter = await as(lead, ["approvals"]);
      assert.equal(starter.code, 0, starter.err);
      assert.doesNotMatch(starter.out, new RegExp(requestId));
    } finally {
      await server.close(100);
    }

    const approved = await call(manager, item.links.approve, { reason: "fine" });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual(await pending(manager), []);
    assert.equal((await countOf(manager)).pending, before.pending - 1);
    const decided = (await call(manager, "/api/v1/approvals?status=decided")).body.approvals;
    assert.deepEqual(
      decided
        .filter((a: Json) => a.id === requestId)
        .map((a: Json) => [a.kind, a.status, a.myDecision.decision, a.myDecision.reason]),
      [["runbook_gate", "approved", "approve", "fine"]],
    );
    assert.equal((await ended(lead, id)).status, "succeeded");
  });

  test("a gate is decided at /api/v1/approvals/{id} and by `airlock approve|reject apr_…` with the step's rules: never the starter, reviewers only, a reason to reject, once", async () => {
    const id = await start(lead, "gold", 2900);
    const waiting = await atGate(lead, id);
    const requestId = waiting.steps[1].approval.requestId;
    const decide = (user: TestUser, verb: string, body: unknown) =>
      call(user, `/api/v1/approvals/${requestId}/${verb}`, body);

    const self = await decide(lead, "approve", { reason: "mine" });
    assert.equal(self.status, 403);
    assert.equal(self.body.error.code, "approval.self_approval");
    const notReviewer = await decide(analyst, "approve", {});
    assert.equal(notReviewer.status, 403, JSON.stringify(notReviewer.body));
    assert.equal(notReviewer.body.error.code, "approval.not_reviewer");
    assert.equal((await decide(bystander, "approve", {})).body.error.code, "approval.not_found");
    const noReason = await decide(manager, "reject", {});
    assert.equal(noReason.status, 422);
    assert.equal(noReason.body.error.code, "approval.reason_required");

    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const as = (user: TestUser, args: string[]) =>
        runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });
      const selfCli = await as(lead, ["approve", requestId, "--reason", "mine"]);
      assert.equal(selfCli.code, 1);
      assert.match(selfCli.err, /approval\.self_approval/);
      const approved = await as(manager, ["approve", requestId, "--reason", "gold is fine"]);
      assert.equal(approved.code, 0, approved.err);
      assert.match(
        approved.out,
        new RegExp(`^approved  approval ${requestId}  runbook reprice gate approval \\(${id}\\)$`, "m"),
      );
      assert.match(approved.out, /The runbook goes on\./);
      const twice = await as(manager, ["approve", requestId]);
      assert.equal(twice.code, 1, "a second decision is refused, never counted");
      assert.match(twice.err, /approval\.already_decided/);
    } finally {
      await server.close(100);
    }

    const done = await ended(lead, id);
    assert.equal(done.status, "succeeded", JSON.stringify(done.error));
    assert.deepEqual(done.result, { approvedBy: [manager.id] });
    assert.ok((await prices()).some((p: Json) => p.plan === "gold" && p.cents === 2900));
    const gate = done.steps.find((s: Json) => s.name === "approval");
    assert.deepEqual(
      gate.approval.decisions.map((d: Json) => [d.reviewer.name, d.decision, d.reason, d.channel]),
      [["Max Manager", "approve", "gold is fine", "cli"]],
    );
    const audit = await t.airlock.database.pool.query(
      "SELECT type, actor_id, error_code FROM airlock.audit_events WHERE approval_request_id = $1 ORDER BY id",
      [requestId],
    );
    assert.deepEqual(
      audit.rows.map((r: Json) => [r.type, r.actor_id, r.error_code]),
      [
        ["approval.requested", lead.id, null],
        ["approval.refused", lead.id, "approval.self_approval"],
        ["approval.refused", analyst.id, "approval.not_reviewer"],
        ["approval.refused", bystander.id, "approval.not_found"],
        ["approval.refused", manager.id, "approval.reason_required"],
        ["approval.refused", lead.id, "approval.self_approval"],
        ["approval.approved", manager.id, null],
        ["approval.refused", manager.id, "approval.already_decided"],
      ],
    );

    // A rejection there fails the runbook at its gate, as on the step; the answer names the gate.
    const other = await start(analyst, "silver", 1500);
    const otherRequest = (await atGate(analyst, other)).steps[1].approval.requestId;
    const rejected = await call(manager, `/api/v1/approvals/${otherRequest}/reject`, { reason: "not now" });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.equal(rejected.body.approval.status, "rejected");
    assert.equal(rejected.body.run, null);
    assert.deepEqual(rejected.body.subject, {
      kind: "runbook_gate",
      fields: { runbook: "reprice", runbookRunId: other, step: "approval" },
      links: {
        run: `/api/v1/runbook-runs/${other}`,
        approve: `/api/v1/runbook-runs/${other}/steps/approval/approve`,
        reject: `/api/v1/runbook-runs/${other}/steps/approval/reject`,
      },
    });
    const failed = await ended(analyst, other);
    assert.equal(failed.status, "failed");
    assert.deepEqual(failed.error, {
      code: "runbook.gate_rejected",
      message: "The gate was rejected: not now",
      step: "approval",
    });
  });
});
