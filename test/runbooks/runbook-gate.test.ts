// Approval gates in a runbook (`rb.approve`) through the real HTTP app, the real CLI, real
// PostgreSQL and the real durable engine: the runbook stops at the gate; the gate is an approval
// request bound to the runbook run and step; the starter — even one who holds `approve` and is
// among the reviewers — is refused on the API and the CLI; a reviewer without `approve` on the
// runbook is refused; a manager's approval lets the runbook go on (the price changes once); a
// rejection fails the runbook at the gate, and a retry asks again; cancelling the runbook
// withdraws its pending gate. Every decision and refusal is audited. A gate waits in the
// approvals inbox (API, count and CLI) of its reviewers, never of its starter.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { ownerClient } from "../../src/store/database.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";

const setPrice = defineAction({
  name: "set_price",
  title: "Set a plan's price",
  tags: ["pricing"],
  execution: "inline",
  params: z.object({ plan: z.string(), cents: z.number().int().positive() }),
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.gate_prices (reference, plan, cents) VALUES ($1, $2, $3)", [
      ctx.idempotencyKey,
      p.plan,
      p.cents,
    ]);
    return { plan: p.plan, cents: p.cents };
  },
});

const reprice = defineRunbook({
  name: "reprice",
  title: "Change a plan's price",
  params: z.object({ plan: z.string(), cents: z.number().int().positive() }),
  uses: ["set_price"],
  async handler(rb, { plan, cents }) {
    const proposal = await rb.step("propose", async () => ({ plan, cents }));
    const gate = await rb.approve({
      reviewers: { groups: ["managers"] },
      reason: `Set ${proposal.plan} to ${proposal.cents} cents`,
      expiresIn: "1h",
    });
    await rb.run("set_price", proposal);
    return { approvedBy: gate.approvedBy };
  },
});

const reviewPrice = defineRunbook({
  name: "review_price",
  title: "Review, approve and set a price",
  version: "3",
  params: z.object({ plan: z.string(), cents: z.number().int().positive() }),
  uses: ["set_price"],
  async handler(rb, { plan, cents }) {
    const { note } = await rb.input(z.object({ note: z.string().min(2) }), {
      assignee: { group: "managers" },
      title: `Check ${plan}`,
    });
    await rb.approve({ reviewers: { groups: ["managers"] }, reason: `Set ${plan}: ${note}` });
    await rb.run("set_price", { plan, cents });
  },
});

// Names an approval that is not one of its own approved gates: the step must fail, not run.
const borrowed = defineRunbook({
  name: "borrowed_gate",
  title: "Set a price under someone else's gate",
  params: z.object({ approvalRequestId: z.string() }),
  uses: ["set_price"],
  async handler(rb, { approvalRequestId }) {
    await rb.run(
      "set_price",
      { plan: "borrowed", cents: 1 },
      { approval: { approvalRequestId, approvedBy: [] } },
    );
  },
});

const workspace = defineWorkspace({
  name: "gates",
  actions: [setPrice],
  runbooks: [reprice, reviewPrice, borrowed],
  roles: {
    analyst: { groups: ["analysts"] },
    manager: { groups: ["managers"] },
  },
  grants: [
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "reprice" } },
    { to: "analyst", verbs: ["view", "run"], on: { action: "set_price" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "reprice" } },
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "review_price" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "review_price" } },
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "borrowed_gate" } },
  ],
});

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

let t: TestAirlock;
let analyst: TestUser;
/** Starts runbooks and is also a manager: holds approve, is a reviewer, and still may not decide. */
let lead: TestUser;
let manager: TestUser;
/** Neither a reviewer nor allowed to see the runbook. */
let bystander: TestUser;

before(async () => {
  t = await startTestAirlock({
    workspace,
    prepare: async (url) => {
      const owner = await ownerClient(url);
      await owner.query(`
        CREATE TABLE public.gate_prices (reference text UNIQUE NOT NULL, plan text NOT NULL, cents int NOT NULL);
        GRANT SELECT, INSERT ON public.gate_prices TO airlock_app;`);
      await owner.end();
    },
  });
  const pool = t.airlock.database.pool;
  analyst = await createUser(pool, { groups: ["analysts"], name: "Ana Analyst" });
  lead = await createUser(pool, { groups: ["analysts", "managers"], name: "Lee Lead" });
  manager = await createUser(pool, { groups: ["managers"], name: "Max Manager" });
  bystander = await createUser(pool, { groups: [] });
  await pool.query("UPDATE airlock.users SET name = 'Bo Bystander' WHERE id = $1", [bystander.id]);
});

after(async () => {
  await t?.close();
});

async function call(user: TestUser, path: string, body?: unknown) {
  const response = await t.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function start(user: TestUser, plan: string, cents: number): Promise<string> {
  const started = await call(user, "/api/v1/runbooks/reprice/runs", { params: { plan, cents } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body.id;
}

async function atGate(user: TestUser, id: string) {
  return await until("the approval gate", async () => {
    const { body } = await call(user, `/api/v1/runbook-runs/${id}`);
    // The step row is written before the run's own status turns to waiting: wait for both.
    return body.status === "waiting" &&
      body.steps?.find((s: Json) => s.kind === "approval" && s.status === "waiting")
      ? body
      : undefined;
  });
}

async function ended(user: TestUser, id: string) {
  return await until("the runbook's end", async () => {
    const { body } = await call(user, `/api/v1/runbook-runs/${id}`);
    return ["succeeded", "failed", "cancelled"].includes(body.status) ? body : undefined;
  });
}

const prices = async () =>
  (await t.airlock.database.pool.query("SELECT plan, cents FROM public.gate_prices ORDER BY plan")).rows;

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
