// Notifications for approval requests that gate something other than a single run: a runbook's
// approval gate and a bulk batch. Over the real HTTP app, the real durable engine, a real SMTP
// server (smtp-server) and the Slack Web API stand-in: the eligible reviewers — never the starter —
// get an email (and the team channel a Slack message) that links to the page where the request is
// decided, `/runbooks/runs/:id` or `/bulk/:id`; the requester hears of the decision with the same
// link; an SMTP refusal is recorded and retried while the decision goes ahead.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decisionsOf } from "../../src/approval/approval-store.ts";
import { listNotifications } from "../../src/notify/notification-store.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { chargeFee, prepareBulkTables } from "../bulk/bulk-fixture.ts";
import { type SlackStandIn, signedInteraction, startSlackStandIn } from "../integrations/slack-stand-in.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { type CaughtMail, type SmtpCatcher, startSmtpCatcher } from "./smtp-catcher.ts";

const BASE = "https://airlock.gated.test";
const SLACK_TOKEN = "xoxb-gated-test";

const note = defineAction({
  name: "note_price",
  title: "Note a price",
  tags: ["pricing"],
  execution: "inline",
  params: z.object({ plan: z.string() }),
  handler: (p) => ({ noted: p.plan }),
});

const reprice = defineRunbook({
  name: "reprice",
  title: "Change a plan's price",
  params: z.object({ plan: z.string() }),
  uses: ["note_price"],
  async handler(rb, { plan }) {
    await rb.approve({ reviewers: { groups: ["managers"] }, reason: `Reprice ${plan}`, expiresIn: "1h" });
    await rb.run("note_price", { plan });
  },
});

const workspace = defineWorkspace({
  name: "gated",
  actions: [note, chargeFee],
  runbooks: [reprice],
  roles: { operator: { groups: ["operators"] }, manager: { groups: ["managers"] } },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { runbook: "reprice" } },
    { to: "operator", verbs: ["view", "run"], on: { action: "note_price" } },
    { to: "operator", verbs: ["view", "run"], on: { tag: "fees" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "reprice" } },
    { to: "manager", verbs: ["view", "run", "approve"], on: { tag: "fees" } },
  ],
});

let t: TestAirlock;
let smtp: SmtpCatcher;
let slack: SlackStandIn;
let operator: TestUser;
/** An operator and a manager: starts things, so is never asked to approve them. */
let lead: TestUser;
let manager1: TestUser;
let manager2: TestUser;

before(async () => {
  smtp = await startSmtpCatcher();
  slack = await startSlackStandIn(SLACK_TOKEN);
  t = await startTestAirlock({
    workspace,
    prepare: prepareBulkTables,
    env: {
      AIRLOCK_SMTP_URL: smtp.url,
      AIRLOCK_SMTP_FROM: "Airlock <airlock@gated.test>",
      AIRLOCK_PUBLIC_URL: BASE,
      AIRLOCK_SLACK_BOT_TOKEN: SLACK_TOKEN,
      AIRLOCK_SLACK_SIGNING_SECRET: "gated-signing-secret",
      AIRLOCK_SLACK_CHANNEL: "C0GATED",
      AIRLOCK_SLACK_API_URL: slack.url,
    },
  });
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, { groups: ["operators"], name: "Olga Operator" });
  lead = await createUser(pool, { groups: ["operators", "managers"], name: "Lou Lead" });
  manager1 = await createUser(pool, { groups: ["managers"], name: "Mel Manager" });
  manager2 = await createUser(pool, { groups: ["managers"], name: "Mo Manager" });
});
after(async () => {
  await t?.close();
  await smtp?.close();
  await slack?.close();
});

async function call(user: TestUser, method: "GET" | "POST", path: string, body?: unknown) {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** The mails about one subject, once every one expected has arrived. */
async function mailsWith(text: string, count: number): Promise<CaughtMail[]> {
  await t.airlock.approvals.events.drain();
  const mails = await smtp.waitFor((m) => m.filter((x) => x.decoded.includes(text)).length >= count);
  return mails.filter((m) => m.decoded.includes(text));
}

const recipients = (mails: CaughtMail[]) => mails.flatMap((m) => m.to).sort();

test("a runbook's approval gate: the managers are emailed and Slack is posted a link to the runbook run; the starter hears of the decision", async () => {
  const started = await call(lead, "POST", "/api/v1/runbooks/reprice/runs", { params: { plan: "pro" } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.id as string;
  const gate = await until("the approval gate", async () => {
    const { body } = await call(lead, "GET", `/api/v1/runbook-runs/${id}`);
    return body.steps?.find(
      (s: { kind: string; status: string }) => s.kind === "approval" && s.status === "waiting",
    );
  });
  const approvalId = gate.approval.requestId as string;
  const link = `${BASE}/runbooks/runs/${id}`;

  const asked = await mailsWith(`Subject: Approval needed: runbook Change a plan's price, step approval`, 2);
  assert.deepEqual(
    recipients(asked),
    [manager1.email, manager2.email].sort(),
    "the managers; never the starter",
  );
  for (const mail of asked) {
    assert.ok(mail.decoded.includes(link), "the link opens the runbook run");
    assert.ok(mail.decoded.includes("Reprice pro"), "the gate's reason");
    assert.ok(mail.decoded.includes("Lou Lead"), "who started it");
  }
  const rows = await listNotifications(t.airlock.database.pool, { approvalRequestId: approvalId, limit: 20 });
  assert.deepEqual(rows.map((r) => r.channel).sort(), ["email", "email", "in_app", "in_app", "slack"]);

  // Slack: the team channel gets the request with its buttons and the same link.
  const posted = await slack.waitFor((calls) =>
    calls.some((c) => c.method === "chat.postMessage" && JSON.stringify(c.body).includes(approvalId)),
  );
  const post = posted.find(
    (c) => c.method === "chat.postMessage" && JSON.stringify(c.body).includes(approvalId),
  )!;
  assert.equal(post.body.channel, "C0GATED");
  assert.ok(JSON.stringify(post.body).includes(link));
  assert.deepEqual(slack.refused, []);

  const approved = await call(manager2, "POST", `/api/v1/runbook-runs/${id}/steps/approval/approve`, {});
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const told = await mailsWith("Subject: Approved: runbook Change a plan's price, step approval", 1);
  assert.deepEqual(recipients(told), [lead.email]);
  assert.ok(told[0]!.decoded.includes(link));
  assert.ok(told[0]!.decoded.includes("Mo Manager (api)"));
});

test("a bulk batch's approval: the managers are emailed a link to the batch with its totals; an SMTP refusal does not hold up the decision", async () => {
  smtp.refuse(manager1.email, 1);
  const body = {
    action: "charge_fee",
    rows: ["acc_001", "acc_002", "acc_003", "acc_004", "acc_005"].map((accountId) => ({
      accountId,
      amountCents: 1_250,
    })),
  };
  const preview = await call(operator, "POST", "/api/v1/bulk/preview", body);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  const started = await call(operator, "POST", "/api/v1/bulk/start", {
    ...body,
    itemSetHash: preview.body.itemSetHash,
    reason: "monthly late fees",
  });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const batchId = started.body.batch.id as string;
  const approvalId = started.body.batch.approvalRequestId as string;
  const link = `${BASE}/bulk/${batchId}`;

  // The others' arrive at once; manager1's first attempt is refused (451), recorded, and retried.
  const first = await mailsWith(link, 1);
  assert.ok(first[0]!.decoded.includes("Subject: Approval needed: Charge a fee on 5 items"));
  assert.ok(first[0]!.decoded.includes("USD 62.50"), "the batch's total");
  assert.ok(first[0]!.decoded.includes("monthly late fees"));
  const refused = await until("the refused attempt on its row", async () => {
    const rows = await listNotifications(t.airlock.database.pool, {
      channel: "email",
      approvalRequestId: approvalId,
      address: manager1.email,
      limit: 5,
    });
    return rows[0] && rows[0].attempts >= 1 ? rows[0] : undefined;
  });
  if (refused.status === "pending") assert.match(refused.last_error ?? "", /451/);

  // The decision goes ahead meanwhile, and the batch runs.
  const approved = await call(manager2, "POST", `/api/v1/bulk/${batchId}/approve`, {});
  assert.equal(approved.status, 200, JSON.stringify(approved.body));

  const asked = await mailsWith("Subject: Approval needed: Charge a fee on 5 items", 3);
  assert.deepEqual(
    recipients(asked),
    [lead.email, manager1.email, manager2.email].sort(),
    "every manager (the lead too: the operator asked), never the operator",
  );
  const told = await mailsWith("Subject: Approved: Charge a fee on 5 items", 1);
  assert.deepEqual(recipients(told), [operator.email]);
  assert.ok(told[0]!.decoded.includes(link));
});

test("a bulk batch and a runbook gate decided from Slack: the requester's own click is refused; a linked manager's Approve approves, and Reject with its modal rejects a batch, with channel slack", async () => {
  const pool = t.airlock.database.pool;
  // Linked as an admin would after Slack's users.info (tested in
  // test/integrations/slack-decisions.test.ts).
  for (const [user, slackId] of [
    [operator, "U0OPER"],
    [manager1, "U0MEL"],
  ] as const)
    await pool.query(
      `INSERT INTO airlock.slack_links (slack_team_id, slack_user_id, user_id, verified_by, linked_by)
       VALUES ('T0GATED', $1, $2, 'email', $2)`,
      [slackId, user.id],
    );
  const body = {
    action: "charge_fee",
    // Four items: more than 3 needs a manager's approval.
    rows: ["acc_006", "acc_007", "acc_008", "acc_009"].map((accountId) => ({ accountId, amountCents: 900 })),
  };
  const preview = await call(operator, "POST", "/api/v1/bulk/preview", body);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  const started = await call(operator, "POST", "/api/v1/bulk/start", {
    ...body,
    itemSetHash: preview.body.itemSetHash,
    reason: "late fees, second run",
  });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const approvalId = started.body.batch.approvalRequestId as string;
  await t.airlock.approvals.events.drain();
  const inChannel = (c: { method: string; body: Record<string, unknown> }) =>
    c.method === "chat.postMessage" &&
    c.body.channel === "C0GATED" &&
    JSON.stringify(c.body).includes(approvalId);
  const post = (await slack.waitFor((calls) => calls.some(inChannel))).find(inChannel)!;
  assert.ok(JSON.stringify(post.body.blocks).includes('"action_id":"airlock_approve"'));

  let ts = 1_800_000_000;
  const click = async (slackUserId: string, id = approvalId) => {
    const { body: form, headers } = signedInteraction("gated-signing-secret", {
      type: "block_actions",
      team: { id: "T0GATED" },
      user: { id: slackUserId },
      channel: { id: "C0GATED" },
      trigger_id: `trigger-${ts}`,
      actions: [{ action_id: "airlock_approve", value: id, action_ts: `${ts++}.000100` }],
    });
    const res = await t.request("/api/v1/integrations/slack/interactions", {
      method: "POST",
      headers,
      body: form,
    });
    assert.equal(res.status, 200);
  };
  const told = (slackUserId: string) => (c: { method: string; body: Record<string, unknown> }) =>
    c.method === "chat.postEphemeral" && c.body.user === slackUserId;
  await click("U0OPER");
  const own = (await slack.waitFor((calls) => calls.some(told("U0OPER")))).find(told("U0OPER"))!;
  assert.match(String(own.body.text), /cannot decide on your own request/);

  await click("U0MEL");
  const approved = (await slack.waitFor((calls) => calls.some(told("U0MEL")))).find(told("U0MEL"))!;
  assert.match(String(approved.body.text), /^You approved the request/);
  // What was decided, as stored (the approvals API shows run requests; a batch's page, the batch).
  const decided = async (id: string) => {
    const request = await pool.query("SELECT status FROM airlock.approval_requests WHERE id = $1", [id]);
    const decisions = await decisionsOf(pool, id);
    return [request.rows[0]?.status, decisions.map((d) => [d.reviewer_name, d.decision, d.channel])];
  };
  assert.deepEqual(await decided(approvalId), ["approved", [["Mel Manager", "approve", "slack"]]]);

  // A runbook's gate: the same button, the same endpoint, decided as its API decides it.
  const run = await call(operator, "POST", "/api/v1/runbooks/reprice/runs", { params: { plan: "team" } });
  assert.equal(run.status, 202, JSON.stringify(run.body));
  const gate = await until("the approval gate", async () => {
    const { body: r } = await call(operator, "GET", `/api/v1/runbook-runs/${run.body.id}`);
    return r.steps?.find(
      (st: { kind: string; status: string }) => st.kind === "approval" && st.status === "waiting",
    );
  });
  const gateId = gate.approval.requestId as string;
  const before = slack.calls.filter(told("U0MEL")).length;
  await click("U0MEL", gateId);
  await slack.waitFor((calls) => calls.filter(told("U0MEL")).length > before);
  assert.deepEqual(await decided(gateId), ["approved", [["Mel Manager", "approve", "slack"]]]);

  // Reject a batch from Slack: the modal asks for the reason; its submission decides.
  const third = await call(operator, "POST", "/api/v1/bulk/preview", body);
  const again = await call(operator, "POST", "/api/v1/bulk/start", {
    ...body,
    itemSetHash: third.body.itemSetHash,
    reason: "late fees, third run",
  });
  assert.equal(again.status, 202, JSON.stringify(again.body));
  const rejectId = again.body.batch.approvalRequestId as string;
  const { body: rejectForm, headers: rejectHeaders } = signedInteraction("gated-signing-secret", {
    type: "block_actions",
    team: { id: "T0GATED" },
    user: { id: "U0MEL" },
    channel: { id: "C0GATED" },
    trigger_id: "trigger-reject",
    actions: [{ action_id: "airlock_reject", value: rejectId, action_ts: `${ts++}.000100` }],
  });
  await t.request("/api/v1/integrations/slack/interactions", {
    method: "POST",
    headers: rejectHeaders,
    body: rejectForm,
  });
  const opened = (c: { method: string; body: Record<string, unknown> }) =>
    c.method === "views.open" && c.body.trigger_id === "trigger-reject";
  const modal = (await slack.waitFor((calls) => calls.some(opened))).find(opened)!;
  assert.equal((modal.body.view as { private_metadata: string }).private_metadata, rejectId);
  const { body: submitForm, headers: submitHeaders } = signedInteraction("gated-signing-secret", {
    type: "view_submission",
    team: { id: "T0GATED" },
    user: { id: "U0MEL" },
    view: {
      id: "V0GATEDREJECT",
      callback_id: "airlock_reject_reason",
      private_metadata: rejectId,
      state: { values: { reason: { reason_input: { value: "fees are waived this month" } } } },
    },
  });
  const submitted = await t.request("/api/v1/integrations/slack/interactions", {
    method: "POST",
    headers: submitHeaders,
    body: submitForm,
  });
  assert.equal(await submitted.text(), "");
  assert.deepEqual(await decided(rejectId), ["rejected", [["Mel Manager", "reject", "slack"]]]);
  assert.deepEqual(slack.refused, []);
});
