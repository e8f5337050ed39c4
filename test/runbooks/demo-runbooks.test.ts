// The demo's runbooks on the seeded demo data. Fraud: a risk analyst starts it for the flagged
// account, the report lists the flagged transactions, the decision step waits in the other
// analyst's inbox, and once answered every flagged transaction is confirmed, each by its own run.
// Onboarding: the account is opened, compliance answers its check, the history is imported, the
// plan and a feature set, and a co-administrator made admin once a compliance officer approves.
// Pricing: the proposer cannot approve their own gate; a second ops member does, then it applies
// (the gate is the fee change's approval); the proposer may name that member at start (the
// preview offers them, never the proposer); run directly, the fee change is held for the same
// second ops member.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ACCOUNT_FLAGGED, CUSTOMER_ALICE, CUSTOMER_DAVE } from "../../examples/demo/fixtures.ts";
import {
  type CustomerDemo,
  getAs,
  postAs,
  runAction,
  startCustomerDemo,
} from "../demo/demo-airlock-customers.ts";
import { until } from "../support/until.ts";
import { createUser } from "../support/users.ts";

let demo: CustomerDemo;
let olga: Awaited<ReturnType<typeof createUser>> | null = null;

/** A second ops member (the demo's Omar is the first), made once. */
async function olgaOps() {
  olga ??= await createUser(demo.t.airlock.database.pool, {
    email: "olga.ops@airlock.demo",
    name: "Olga Ops",
    groups: ["ops"],
  });
  return olga;
}
before(async () => {
  demo = await startCustomerDemo();
});
after(async () => {
  await demo?.close();
});

test("the fraud runbook reports, waits for a risk analyst's decision, then confirms each flagged transaction", async () => {
  const { t, cast, owner } = demo;
  const flaggedBefore = await owner.query(
    "SELECT id FROM demo.transactions WHERE account_id = $1 AND fraud_flag = 'flagged' ORDER BY id",
    [ACCOUNT_FLAGGED],
  );
  assert.ok(flaggedBefore.rows.length > 0);
  const started = await t.post(
    "/api/v1/runbooks/fraud_review/runs",
    { params: { accountId: ACCOUNT_FLAGGED } },
    cast.rita.headers,
  );
  assert.equal(started.status, 202);
  const id = ((await started.json()) as { id: string }).id;
  const view = async () => (await getAs(t, cast.rita, `/api/v1/runbook-runs/${id}`)).body;
  const until = async (what: string, ok: (run: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const run = await view();
      if (ok(run)) return run;
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const waiting = await until("the decision step", (run) => run.status === "waiting");
  const report = waiting.steps.find((s: { name: string }) => s.name === "report");
  assert.equal(report.output.count, flaggedBefore.rows.length);
  const inbox = await getAs(t, cast.raj, "/api/v1/runbook-inputs");
  assert.deepEqual(
    inbox.body.inputs.map((i: { runbookRunId: string }) => i.runbookRunId),
    [id],
  );
  const answered = await t.post(
    `/api/v1/runbook-runs/${id}/steps/input/answer`,
    { answer: { decision: "confirm", reason: "Customer confirmed the card was stolen" } },
    cast.raj.headers,
  );
  assert.equal(answered.status, 200);
  const done = await until("the end", (run) => run.status === "succeeded" || run.status === "failed");
  assert.equal(done.status, "succeeded", JSON.stringify(done.error));
  assert.deepEqual(done.result, { decision: "confirm", count: flaggedBefore.rows.length });
  const confirmed = await owner.query(
    "SELECT id FROM demo.transactions WHERE id = ANY($1) AND fraud_flag = 'confirmed' ORDER BY id",
    [flaggedBefore.rows.map((r) => r.id)],
  );
  assert.equal(confirmed.rows.length, flaggedBefore.rows.length);
  const runs = done.steps.filter((s: { name: string }) => s.name.startsWith("confirm_"));
  assert.equal(new Set(runs.map((s: { runId: string }) => s.runId)).size, flaggedBefore.rows.length);
});

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

async function untilRun(id: string, what: string, ok: (run: Json) => boolean, as = demo.cast.omar) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const run = (await getAs(demo.t, as, `/api/v1/runbook-runs/${id}`)).body;
    if (ok(run)) return run;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("onboarding opens the account, waits for compliance, imports the history, sets plan and features, and makes an admin once approved", async () => {
  const { t, cast, owner } = demo;
  const started = await t.post(
    "/api/v1/runbooks/onboard_account/runs",
    {
      params: {
        customerId: CUSTOMER_DAVE,
        plan: "plus",
        features: ["instant_transfers"],
        admins: [CUSTOMER_ALICE],
      },
      reason: "New business customer",
    },
    cast.omar.headers,
  );
  assert.equal(started.status, 202, await started.clone().text());
  const id = ((await started.json()) as { id: string }).id;
  await untilRun(id, "the compliance check", (run) =>
    run.steps.some((s: Json) => s.name === "input" && s.status === "waiting"),
  );
  const answered = await t.post(
    `/api/v1/runbook-runs/${id}/steps/input/answer`,
    { answer: { result: "passed", note: "ID and address verified" } },
    cast.cora.headers,
  );
  assert.equal(answered.status, 200);
  const held = await untilRun(id, "the admin step's approval", (run) =>
    run.steps.some((s: Json) => s.name === "admin_1" && s.status === "waiting" && s.runId),
  );
  const runId = held.steps.find((s: Json) => s.name === "admin_1").runId;
  const pending = (await getAs(t, cast.colin, "/api/v1/approvals?status=pending")).body.approvals;
  const request = pending.find((a: Json) => a.runId === runId);
  assert.ok(request, "the make_admin step is in compliance's inbox");
  const approved = await t.post(`/api/v1/approvals/${request.id}/approve`, {}, cast.colin.headers);
  assert.equal(approved.status, 200);
  const done = await untilRun(id, "the end", (run) => ["succeeded", "failed"].includes(run.status));
  assert.equal(done.status, "succeeded", JSON.stringify(done.error));
  assert.deepEqual(
    done.steps.map((s: Json) => s.name),
    [
      "create_account",
      "input",
      "import_transaction_history",
      "set_account_plan",
      "feature_instant_transfers",
      "admin_1",
    ],
  );
  const accountId = done.result.accountId as string;
  assert.equal(done.result.imported, 6);
  const account = await owner.query("SELECT plan, feature_flags FROM demo.accounts WHERE id = $1", [
    accountId,
  ]);
  assert.equal(account.rows[0].plan, "plus");
  assert.equal(account.rows[0].feature_flags.instant_transfers, true);
  const imported = await owner.query(
    "SELECT count(*)::int AS n FROM demo.transactions WHERE account_id = $1 AND source = 'import'",
    [accountId],
  );
  assert.equal(imported.rows[0].n, 6);
  const admins = await owner.query("SELECT customer_id FROM demo.account_admins WHERE account_id = $1", [
    accountId,
  ]);
  assert.deepEqual(
    admins.rows.map((r) => r.customer_id),
    [CUSTOMER_ALICE],
  );
  assert.deepEqual(
    done.questions.why.answers.map((a: Json) => [a.step, a.answeredBy.name]),
    [["input", "Cora Compliance"]],
  );
  assert.deepEqual(
    done.questions.why.approvals.map((a: Json) => [a.step, a.kind, a.decisions[0].reviewer.name]),
    [["admin_1", "action", "Colin Compliance"]],
  );
});

test("a pricing change waits at its gate: the proposer may not approve it, a second ops member does, then the fee changes", async () => {
  const { t, cast, owner } = demo;
  const olga = await olgaOps();
  const started = await t.post(
    "/api/v1/runbooks/pricing_change/runs",
    { params: { plan: "plus", monthlyFeeCents: 1299, rationale: "Align with the market after the audit" } },
    cast.omar.headers,
  );
  assert.equal(started.status, 202, await started.clone().text());
  const id = ((await started.json()) as { id: string }).id;
  await untilRun(id, "the gate", (run) =>
    run.steps.some((s: Json) => s.kind === "approval" && s.status === "waiting"),
  );
  const self = await t.post(`/api/v1/runbook-runs/${id}/steps/approval/approve`, {}, cast.omar.headers);
  assert.equal(self.status, 403);
  assert.equal(((await self.json()) as Json).error.code, "approval.self_approval");
  const fee = async () =>
    Number(
      (await owner.query("SELECT monthly_fee_cents FROM demo.plans WHERE plan = 'plus'")).rows[0]
        .monthly_fee_cents,
    );
  assert.equal(await fee(), 999, "nothing applied before the gate is approved");
  const approved = await t.post(
    `/api/v1/runbook-runs/${id}/steps/approval/approve`,
    { reason: "Checked against the competitors" },
    olga.headers,
  );
  assert.equal(approved.status, 200, await approved.clone().text());
  const done = await untilRun(id, "the end", (run) => ["succeeded", "failed"].includes(run.status));
  assert.equal(done.status, "succeeded", JSON.stringify(done.error));
  assert.deepEqual(done.result, { plan: "plus", previousFeeCents: 999, monthlyFeeCents: 1299 });
  assert.equal(await fee(), 1299);
  // The gate is the fee change's approval: the step's run names it and was not held again.
  const gateRequest = done.steps.find((s: Json) => s.name === "approval").approval.requestId;
  const stepRun = done.steps.find((s: Json) => s.name === "set_plan_fee").runId;
  const { rows } = await owner.query("SELECT status, approval_request_id FROM airlock.runs WHERE id = $1", [
    stepRun,
  ]);
  assert.deepEqual(rows, [{ status: "succeeded", approval_request_id: gateRequest }]);
});

test("a pricing change's proposer may name the second ops member for its gate: the preview offers them (not the proposer), and the gate asks only them", async () => {
  const { t, cast, owner } = demo;
  const olga = await olgaOps();
  const params = { plan: "plus", monthlyFeeCents: 1399, rationale: "Named reviewer for this change" };
  const preview = await t.post("/api/v1/runbooks/pricing_change/preview", { params }, cast.omar.headers);
  assert.equal(preview.status, 200, await preview.clone().text());
  const { gates } = (await preview.json()) as Json;
  assert.deepEqual(
    gates.map((g: Json) => g.step),
    ["approval"],
  );
  const people = gates[0].reviewerOptions.people.map((p: Json) => p.id);
  assert.ok(people.includes(olga.id), "the second ops member is offered");
  assert.ok(!people.includes(cast.omar.id), "the proposer is not");
  const started = await t.post(
    "/api/v1/runbooks/pricing_change/runs",
    { params, gateReviewers: { approval: { users: ["olga.ops@airlock.demo"] } } },
    cast.omar.headers,
  );
  assert.equal(started.status, 202, await started.clone().text());
  const id = ((await started.json()) as { id: string }).id;
  const waiting = await untilRun(id, "the gate", (run) =>
    run.steps.some((s: Json) => s.kind === "approval" && s.status === "waiting"),
  );
  const requestId = waiting.steps.find((s: Json) => s.name === "approval").approval.requestId;
  const { rows } = await owner.query("SELECT chosen_reviewers FROM airlock.approval_requests WHERE id = $1", [
    requestId,
  ]);
  assert.deepEqual(rows[0]?.chosen_reviewers, { users: [olga.id], groups: [] });
  const cancelled = await t.post(
    `/api/v1/runbook-runs/${id}/cancel`,
    { reason: "test over" },
    cast.omar.headers,
  );
  assert.equal(cancelled.status, 200, await cancelled.clone().text());
});

test("set_plan_fee run directly (skipping the runbook) is held for a second ops member too; the proposer may not approve it", async () => {
  const { t, cast, owner } = demo;
  const olga = await olgaOps();
  const fee = async () =>
    Number(
      (await owner.query("SELECT monthly_fee_cents FROM demo.plans WHERE plan = 'business'")).rows[0]
        .monthly_fee_cents,
    );
  const before = await fee();
  const asked = await runAction(t, cast.omar, "set_plan_fee", {
    plan: "business",
    monthlyFeeCents: 54_900,
  });
  assert.equal(asked.status, 202, asked.text);
  assert.equal(asked.body.status, "pending_approval");
  assert.equal(await fee(), before, "nothing changed before the approval");
  const requestId = asked.body.approvalRequestId;
  const self = await postAs(t, cast.omar, `/api/v1/approvals/${requestId}/approve`, {});
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, "approval.self_approval");
  const approved = await postAs(t, olga, `/api/v1/approvals/${requestId}/approve`, {
    reason: "agreed in the pricing call",
  });
  assert.equal(approved.status, 200, approved.text);
  // Approved, the run is executed by the queue.
  const run = await until("the approved run's end", async () => {
    const { body } = await getAs(t, cast.omar, `/api/v1/runs/${asked.body.id}`);
    return ["succeeded", "failed"].includes(body.status) ? body : undefined;
  });
  assert.equal(run.status, "succeeded", JSON.stringify(run.error));
  assert.equal(await fee(), 54_900);
});
