// Approval gates in a runbook (`rb.approve`) decided on the runbook run's step, through the real
// HTTP app, the real CLI, real PostgreSQL and the real durable engine: the runbook stops at the
// gate; the gate is an approval request bound to the runbook run and step; the starter — even one
// who holds `approve` and is among the reviewers — is refused on the API and the CLI; a reviewer
// without `approve` on the runbook is refused; a manager's approval lets the runbook go on (the
// price changes once); a rejection fails the runbook at the gate, and a retry asks again;
// cancelling the runbook withdraws its pending gate; a start with an Idempotency-Key is one run
// that answers the six questions; an action step never runs under another run's approval. Every
// decision and refusal is audited. The gate in the approvals inbox: runbook-gate-inbox.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { listen } from "../../src/server/serve.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { until } from "../support/until.ts";
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
  test("the starter cannot approve their own gate (API and CLI); a manager approves it and the runbook goes on", async () => {
    const id = await start(lead, "pro", 4900);
    const waiting = await atGate(lead, id);
    assert.equal(waiting.status, "waiting");
    assert.deepEqual(
      waiting.steps.map((s: Json) => [s.name, s.kind, s.status]),
      [
        ["propose", "step", "succeeded"],
        ["approval", "approval", "waiting"],
      ],
    );
    const gate = waiting.steps[1];
    assert.equal(gate.title, "Set pro to 4900 cents");
    assert.equal(gate.approval.status, "pending");
    assert.deepEqual(gate.approval.reviewers, { groups: ["managers"], users: [] });
    assert.equal(gate.approval.canDecide, false);
    assert.equal(gate.approval.whyNot.code, "approval.self_approval");
    assert.equal((await call(manager, `/api/v1/runbook-runs/${id}`)).body.steps[1].approval.canDecide, true);

    // The gate is in the manager's list, not in the starter's nor the bystander's.
    const listed = (await call(manager, "/api/v1/runbook-gates")).body.gates;
    assert.deepEqual(
      listed.map((g: Json) => [g.runbookRunId, g.step, g.approval.reason]),
      [[id, "approval", "Set pro to 4900 cents"]],
    );
    assert.deepEqual((await call(lead, "/api/v1/runbook-gates")).body.gates, []);
    assert.deepEqual((await call(bystander, "/api/v1/runbook-gates")).body.gates, []);

    const path = `/api/v1/runbook-runs/${id}/steps/approval/approve`;
    const self = await call(lead, path, { reason: "looks right to me" });
    assert.equal(self.status, 403);
    assert.equal(self.body.error.code, "approval.self_approval");
    const notVisible = await call(bystander, path, {});
    assert.equal(notVisible.status, 404, "the bystander may not see the runbook run");

    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const as = (user: TestUser, args: string[]) =>
        runAirlock(args, { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });
      const selfCli = await as(lead, ["runbook", "approve", id, "--reason", "mine"]);
      assert.equal(selfCli.code, 1);
      assert.match(selfCli.err, /approval\.self_approval/);
      const gates = await as(manager, ["runbook", "gates"]);
      assert.equal(gates.code, 0, gates.err);
      assert.match(
        gates.out,
        new RegExp(`${id}\\s+approval\\s+Change a plan's price\\s+Set pro to 4900 cents`),
      );
      const approved = await as(manager, ["runbook", "approve", id, "--reason", "margin checked"]);
      assert.notEqual(approved.code, 1, approved.err);
    } finally {
      await server.close(100);
    }

    const done = await ended(lead, id);
    assert.equal(done.status, "succeeded", JSON.stringify(done.error));
    assert.deepEqual(done.result, { approvedBy: [manager.id] });
    const decided = done.steps.find((s: Json) => s.name === "approval");
    assert.equal(decided.status, "succeeded");
    assert.equal(decided.approval.status, "approved");
    assert.deepEqual(
      decided.approval.decisions.map((d: Json) => [d.reviewer.name, d.decision, d.reason, d.channel]),
      [["Max Manager", "approve", "margin checked", "cli"]],
    );
    assert.deepEqual(await prices(), [{ plan: "pro", cents: 4900 }]);

    const audit = await t.airlock.database.pool.query(
      `SELECT type, actor_id, error_code, data->'subject'->>'id' AS subject FROM airlock.audit_events
        WHERE approval_request_id = $1 ORDER BY id`,
      [decided.approval.requestId],
    );
    assert.deepEqual(
      audit.rows.map((r: Json) => [r.type, r.actor_id, r.error_code, r.subject]),
      [
        ["approval.requested", lead.id, null, `${id}:approval:1`],
        ["approval.refused", lead.id, "approval.self_approval", `${id}:approval:1`],
        ["approval.refused", lead.id, "approval.self_approval", `${id}:approval:1`],
        ["approval.approved", manager.id, null, `${id}:approval:1`],
      ],
    );
  });

  test("a rejection fails the runbook at the gate (with the reviewer's reason); a retry asks again", async () => {
    const id = await start(analyst, "team", 9900);
    await atGate(analyst, id);
    const path = `/api/v1/runbook-runs/${id}/steps/approval/reject`;
    const noReason = await call(manager, path, {});
    assert.equal(noReason.status, 422);
    assert.equal(noReason.body.error.code, "approval.reason_required");
    const rejected = await call(manager, path, { reason: "too steep" });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));

    const failed = await ended(analyst, id);
    assert.equal(failed.status, "failed");
    assert.deepEqual(failed.error, {
      code: "runbook.gate_rejected",
      message: "The gate was rejected: too steep",
      step: "approval",
    });
    assert.deepEqual(await prices(), [{ plan: "pro", cents: 4900 }], "nothing was set");

    const retried = await call(analyst, `/api/v1/runbook-runs/${id}/retry`, {});
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    const again = await until("a new gate request", async () => {
      const { body } = await call(analyst, `/api/v1/runbook-runs/${id}`);
      const step = body.steps.find((s: Json) => s.name === "approval");
      return step?.status === "waiting" && step.approval?.status === "pending" ? step : undefined;
    });
    assert.notEqual(again.approval.requestId, failed.steps[1].approval.requestId);
    const approved = await call(manager, `/api/v1/runbook-runs/${id}/steps/approval/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal((await ended(analyst, id)).status, "succeeded");
    assert.deepEqual(await prices(), [
      { plan: "pro", cents: 4900 },
      { plan: "team", cents: 9900 },
    ]);
  });

  test("cancelling a runbook at its gate withdraws the gate's approval request", async () => {
    const id = await start(analyst, "free", 100);
    const waiting = await atGate(analyst, id);
    const requestId = waiting.steps[1].approval.requestId;
    const cancelled = await call(analyst, `/api/v1/runbook-runs/${id}/cancel`, { reason: "wrong plan" });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const gate = cancelled.body.steps.find((s: Json) => s.name === "approval");
    assert.equal(gate.status, "cancelled");
    assert.equal(gate.approval.status, "cancelled");
    const late = await call(manager, `/api/v1/runbook-runs/${id}/steps/approval/approve`, {});
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, "approval.not_pending");
    const { rows } = await t.airlock.database.pool.query(
      "SELECT type, actor_id FROM airlock.audit_events WHERE approval_request_id = $1 ORDER BY id",
      [requestId],
    );
    assert.deepEqual(
      rows.map((r: Json) => [r.type, r.actor_id]),
      [
        ["approval.requested", analyst.id],
        ["approval.cancelled", analyst.id],
        ["approval.refused", manager.id],
      ],
    );
  });

  test("a start with an Idempotency-Key is one runbook run; the same key with other parameters is a conflict; the run answers the six questions", async () => {
    const start = (params: unknown) =>
      t.request("/api/v1/runbooks/review_price/runs", {
        method: "POST",
        headers: { ...analyst.headers, "idempotency-key": "review-enterprise-1" },
        body: JSON.stringify({ params, reason: "quarterly review" }),
      });
    const first = await start({ plan: "enterprise", cents: 19900 });
    assert.equal(first.status, 202);
    const id = ((await first.json()) as Json).id;
    const again = await start({ plan: "enterprise", cents: 19900 });
    assert.equal(again.status, 202);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(((await again.json()) as Json).id, id);
    const other = await start({ plan: "enterprise", cents: 1 });
    assert.equal(other.status, 422);
    assert.equal(((await other.json()) as Json).error.code, "idempotency.mismatch");
    const count = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.runbook_runs WHERE runbook = 'review_price'",
    );
    assert.equal(count.rows[0].n, 1);

    // Five starts racing with one key: one run, one audited start, every answer names it.
    const workflows = async () =>
      (
        await t.airlock.database.pool.query<{ id: string; status: string }>(
          "SELECT workflow_uuid AS id, status FROM dbos.workflow_status",
        )
      ).rows;
    const before = new Set((await workflows()).map((w) => w.id));
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request("/api/v1/runbooks/review_price/runs", {
          method: "POST",
          headers: { ...analyst.headers, "idempotency-key": "review-enterprise-race" },
          body: JSON.stringify({ params: { plan: "pro", cents: 4900 }, reason: "race" }),
        }),
      ),
    );
    assert.deepEqual(
      racing.map((r) => r.status),
      [202, 202, 202, 202, 202],
    );
    const raced = new Set(await Promise.all(racing.map(async (r) => ((await r.json()) as Json).id)));
    assert.equal(raced.size, 1);
    const started = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.audit_events WHERE type = 'runbook.started' AND target_id = $1",
      [[...raced][0]],
    );
    assert.equal(started.rows[0].n, 1);
    // A start's workflow begins beside its run's insert: the losers' workflows found no run and
    // ended, none left pending, none failed.
    const losers = await until("the losing starts' workflows to end", async () => {
      const begun = (await workflows()).filter((w) => !before.has(w.id) && !raced.has(w.id));
      return begun.every((w) => w.status !== "PENDING" && w.status !== "ENQUEUED") ? begun : undefined;
    });
    assert.ok(losers.length <= 4, JSON.stringify(losers));
    for (const loser of losers) assert.equal(loser.status, "SUCCESS", JSON.stringify(loser));
    await call(analyst, `/api/v1/runbook-runs/${[...raced][0]}/cancel`, { reason: "raced" });

    await until("the human step", async () => {
      const { body } = await call(analyst, `/api/v1/runbook-runs/${id}`);
      return body.steps.some((s: Json) => s.name === "input" && s.status === "waiting") ? true : undefined;
    });
    const answered = await call(manager, `/api/v1/runbook-runs/${id}/steps/input/answer`, {
      answer: { note: "in line with the market" },
    });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    await atGate(analyst, id);
    const approved = await call(manager, `/api/v1/runbook-runs/${id}/steps/approval/approve`, {
      reason: "fine",
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const done = await ended(analyst, id);
    assert.equal(done.status, "succeeded", JSON.stringify(done.error));

    const q = done.questions;
    assert.deepEqual(q.who.startedBy, { id: analyst.id, name: "Ana Analyst" });
    assert.equal(q.who.requestId, done.requestId);
    assert.deepEqual(q.what, {
      runbook: "review_price",
      params: { plan: "enterprise", cents: 19900 },
      steps: 3,
      status: "succeeded",
    });
    assert.equal(q.why.reason, "quarterly review");
    assert.deepEqual(
      q.why.answers.map((a: Json) => [a.step, a.title, a.answeredBy.name, a.answer]),
      [["input", "Check enterprise", "Max Manager", { note: "in line with the market" }]],
    );
    assert.deepEqual(
      q.why.approvals.map((a: Json) => [
        a.step,
        a.kind,
        a.status,
        a.reason,
        a.decisions.map((d: Json) => [d.reviewer.name, d.decision, d.reason]),
      ]),
      [
        [
          "approval",
          "gate",
          "approved",
          "Set enterprise: in line with the market",
          [["Max Manager", "approve", "fine"]],
        ],
      ],
    );
    const runId = done.steps.find((s: Json) => s.name === "set_price").runId;
    assert.deepEqual(
      q.changed.map((c: Json) => [c.step, c.action, c.runId, c.status]),
      [["set_price", "set_price", runId, "succeeded"]],
    );
    assert.deepEqual(
      q.when.steps.map((s: Json) => s.step),
      ["input", "approval", "set_price"],
    );
    assert.ok(q.when.durationMs >= 0 && q.when.finishedAt === done.finishedAt);
    assert.equal(q.version.runbook, "3");
    assert.deepEqual(
      q.version.actions.map((a: Json) => [a.step, a.action]),
      [["set_price", "set_price"]],
    );
  });

  test("an action step may run under an approval only if it is an approved gate of its own runbook run", async () => {
    const { rows } = await t.airlock.database.pool.query(
      "SELECT id FROM airlock.approval_requests WHERE subject_kind = 'runbook_gate' AND status = 'approved' LIMIT 1",
    );
    assert.ok(rows[0], "an earlier test approved a gate");
    for (const approvalRequestId of [rows[0].id, "apr_made_up"]) {
      const started = await call(analyst, "/api/v1/runbooks/borrowed_gate/runs", {
        params: { approvalRequestId },
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const failed = await ended(analyst, started.body.id);
      assert.equal(failed.status, "failed");
      assert.equal(failed.error.code, "runbook.invalid");
      assert.equal(failed.error.step, "set_price");
      assert.match(failed.error.message, /not an approved gate of this runbook run/);
    }
    assert.ok(!(await prices()).some((p: Json) => p.plan === "borrowed"), "the price was never set");
  });
});
