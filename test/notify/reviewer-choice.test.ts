// The requester picks reviewers, where a policy allows it: over the real HTTP app, with email to a
// real SMTP server (smtp-server in this process). Only the people picked are emailed and may
// decide (the decision's own check, in its transaction; the inbox agrees); a pick outside the
// policy's eligible reviewers, of oneself, on a policy that does not allow it, or too small for the
// quorum is refused at request time with nothing stored; the pick is stored once, shown on the
// request, audited, and cannot be changed afterwards. The form's Reviewers picker in Chromium sends
// the pick (it shares this file's Airlock: one instance less to start).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { listNotifications } from "../../src/notify/notification-store.ts";
import { type ApprovalPolicy, defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { asOwner } from "../approval/approval-support.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn } from "../web/support/chromium.ts";
import { type SmtpCatcher, startSmtpCatcher } from "./smtp-catcher.ts";

const refund = (name: string, policy: Omit<ApprovalPolicy<{ payment: string }>, "name">) =>
  defineAction({
    name,
    title: `Refund (${name})`,
    tags: ["lab"],
    params: z.object({ payment: z.string().min(3).meta({ label: "Payment" }) }),
    target: (p) => ({ type: "payment", id: p.payment }),
    approval: { name: `${name}.review`, ...policy },
    handler: (p) => ({ refunded: p.payment }),
  });

const workspace = defineWorkspace({
  name: "choice",
  actions: [
    refund("refund_pick", {
      // Payments marked free_ need no approval.
      when: (p) => !p.payment.startsWith("free_"),
      reviewers: { groups: ["leads", "seniors"] },
      requesterChoosesReviewers: true,
    }),
    refund("wire_pick", { reviewers: { groups: ["leads"] }, quorum: 2, requesterChoosesReviewers: true }),
    refund("refund_fixed", { reviewers: { groups: ["leads"] } }),
    // High risk: the form asks for a second look before it sends, and that look names the pick.
    defineAction({
      name: "refund_big_pick",
      title: "Refund a large payment",
      tags: ["lab"],
      risk: "high",
      params: z.object({ payment: z.string().min(3).meta({ label: "Payment" }) }),
      target: (p) => ({ type: "payment", id: p.payment }),
      approval: {
        name: "refund_big_pick.review",
        reviewers: { groups: ["leads", "seniors"] },
        requesterChoosesReviewers: true,
      },
      handler: (p) => ({ refunded: p.payment }),
    }),
  ],
  roles: {
    agent: { groups: ["agents"] },
    lead: { groups: ["leads"] },
    senior: { groups: ["seniors"] },
    watcher: { groups: ["watchers"] },
  },
  grants: [
    { to: "agent", verbs: ["view", "run"], on: { tag: "lab" } },
    { to: "lead", verbs: ["view", "run", "approve"], on: { tag: "lab" } },
    { to: "senior", verbs: ["view", "approve"], on: { tag: "lab" } },
    // Holds approve, but no policy names the group: never a reviewer, so never pickable.
    { to: "watcher", verbs: ["view", "approve"], on: { tag: "lab" } },
  ],
});

let t: TestAirlock;
let smtp: SmtpCatcher;
let server: Listening;
let agent: TestUser;
let lead1: TestUser;
let lead2: TestUser;
let lead3: TestUser;
let senior: TestUser;
let watcher: TestUser;

before(async () => {
  smtp = await startSmtpCatcher();
  t = await startTestAirlock({
    workspace,
    env: {
      AIRLOCK_SMTP_URL: smtp.url,
      AIRLOCK_SMTP_FROM: "Airlock <airlock@choice.test>",
    },
  });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const pool = t.airlock.database.pool;
  agent = await createUser(pool, {
    groups: ["agents"],
    name: "Ana Agent",
    email: "ana@choice.test",
    passwordHash: await hashPassword(PASSWORD),
  });
  lead1 = await createUser(pool, { groups: ["leads"], name: "Lea Lead" });
  lead2 = await createUser(pool, { groups: ["leads"], name: "Leo Lead" });
  lead3 = await createUser(pool, { groups: ["leads"], name: "Lin Lead" });
  senior = await createUser(pool, { groups: ["seniors"], name: "Sam Senior" });
  watcher = await createUser(pool, { groups: ["watchers"], name: "Wes Watcher" });
});
after(async () => {
  await server.close(100);
  await t.close();
  await smtp.close();
});

async function ask(
  user: TestUser,
  action: string,
  payment: string,
  reviewers?: { users?: string[]; groups?: string[] },
) {
  const res = await t.post(
    `/api/v1/actions/${action}/runs`,
    { params: { payment }, reason: "customer was charged twice", ...(reviewers ? { reviewers } : {}) },
    user.headers,
  );
  return { status: res.status, body: await res.json() };
}

async function get(user: TestUser, path: string) {
  const res = await t.request(path, { headers: user.headers });
  return { status: res.status, body: await res.json() };
}

async function decide(user: TestUser, approvalId: string, verb: "approve" | "reject", reason?: string) {
  const res = await t.post(`/api/v1/approvals/${approvalId}/${verb}`, reason ? { reason } : {}, user.headers);
  return { status: res.status, body: await res.json() };
}

async function emailedFor(approvalId: string) {
  await t.airlock.approvals.events.drain();
  const rows = await listNotifications(t.airlock.database.pool, {
    channel: "email",
    approvalRequestId: approvalId,
    limit: 50,
  });
  return rows.map((r) => r.address).sort();
}

const pendingIds = async (user: TestUser) =>
  (await get(user, "/api/v1/approvals?status=pending")).body.approvals.map((a: { id: string }) => a.id);

test("the picker lists the eligible reviewers and the policy's groups; never the requester or a mere holder of approve", async () => {
  const options = await get(agent, "/api/v1/actions/refund_pick/reviewers");
  assert.equal(options.status, 200, JSON.stringify(options.body));
  assert.deepEqual(options.body.policies, ["refund_pick.review"]);
  assert.deepEqual(options.body.groups, ["leads", "seniors"]);
  assert.deepEqual(
    options.body.people.map((p: { id: string }) => p.id).sort(),
    [lead1.id, lead2.id, lead3.id, senior.id].sort(),
  );
  // A lead asking does not see themselves.
  const asLead = await get(lead1, "/api/v1/actions/refund_pick/reviewers");
  assert.ok(!asLead.body.people.some((p: { id: string }) => p.id === lead1.id));
  // The action says whether its policy allows the choice; one that does not offers nobody.
  const detail = await get(agent, "/api/v1/actions/refund_fixed");
  assert.equal(detail.body.approval.policies[0].requesterChoosesReviewers, false);
  assert.deepEqual((await get(agent, "/api/v1/actions/refund_fixed/reviewers")).body, {
    policies: [],
    people: [],
    groups: [],
  });
  // Only someone who may run the action may ask whom they could pick.
  assert.equal(
    (await get(senior, "/api/v1/actions/refund_pick/reviewers")).body.error.code,
    "permission.denied",
  );
});

test("a picked reviewer is the only one emailed and the only one who may decide; the pick is shown, audited and fixed", async () => {
  const asked = await ask(agent, "refund_pick", "pay_pick_1", { users: [lead2.email.toUpperCase()] });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const approvalId = asked.body.approvalRequestId as string;

  // Email: lead2 only, through the real SMTP server.
  assert.deepEqual(await emailedFor(approvalId), [lead2.email]);
  const mails = await smtp.waitFor((m) => m.some((x) => x.raw.includes(approvalId)));
  assert.deepEqual(
    mails.filter((m) => m.raw.includes(approvalId)).map((m) => m.to),
    [[lead2.email]],
  );
  assert.match(mails.find((m) => m.raw.includes(approvalId))!.decoded, /Asked: +Leo Lead/);

  // The request shows whom the requester picked.
  const view = await get(lead2, `/api/v1/approvals/${approvalId}`);
  assert.deepEqual(view.body.chosenReviewers, { users: [{ id: lead2.id, name: "Leo Lead" }], groups: [] });
  assert.equal(view.body.canDecide, true);
  const other = await get(lead1, `/api/v1/approvals/${approvalId}`);
  assert.equal(other.body.canDecide, false);
  assert.equal(other.body.whyNot.code, "approval.not_chosen");

  // The inbox agrees with the decision rule.
  assert.ok((await pendingIds(lead2)).includes(approvalId));
  assert.ok(!(await pendingIds(lead1)).includes(approvalId));
  assert.ok(!(await pendingIds(senior)).includes(approvalId));

  // The server refuses everyone else, whatever they hold; the requester still cannot approve.
  for (const user of [lead1, lead3, senior]) {
    const refused = await decide(user, approvalId, "approve");
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "approval.not_chosen");
  }
  assert.equal((await decide(agent, approvalId, "approve")).body.error.code, "approval.self_approval");
  assert.equal((await decide(watcher, approvalId, "approve")).body.error.code, "approval.not_reviewer");

  // The pick is in the request's audit event and cannot be changed afterwards, even in SQL.
  const requested = await asOwner(
    t,
    "SELECT data FROM airlock.audit_events WHERE approval_request_id = $1 AND type = 'approval.requested'",
    [approvalId],
  );
  assert.deepEqual(requested.rows[0].data.chosenReviewers, { users: [lead2.id], groups: [] });
  await assert.rejects(
    t.airlock.database.pool.query(
      `UPDATE airlock.approval_requests SET chosen_reviewers = '{"users":[],"groups":["leads"]}' WHERE id = $1`,
      [approvalId],
    ),
    /chosen reviewers cannot be changed/,
  );

  const approved = await decide(lead2, approvalId, "approve");
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.approval.status, "approved");
});

test("a picked group: its members are told and decide, the policy's other reviewers are not", async () => {
  const asked = await ask(agent, "refund_pick", "pay_pick_2", { groups: ["seniors"] });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  const approvalId = asked.body.approvalRequestId as string;
  assert.deepEqual(await emailedFor(approvalId), [senior.email]);
  assert.equal((await decide(lead1, approvalId, "approve")).body.error.code, "approval.not_chosen");
  const approved = await decide(senior, approvalId, "approve");
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
});

test("refused at request time, with nothing stored: outside the eligible set, oneself, a closed policy, below quorum", async () => {
  const runsBefore = await asOwner(t, "SELECT count(*)::int AS n FROM airlock.runs");
  const cases: [TestUser, string, { users?: string[]; groups?: string[] }, string][] = [
    [agent, "refund_pick", { users: [watcher.id] }, "approval.reviewer_not_eligible"],
    [agent, "refund_pick", { users: ["nobody@nowhere.test"] }, "approval.reviewer_not_eligible"],
    [agent, "refund_pick", { groups: ["watchers"] }, "approval.reviewer_not_eligible"],
    [agent, "refund_pick", { users: [agent.id] }, "approval.reviewer_not_eligible"],
    [lead1, "refund_pick", { users: [lead1.email] }, "approval.reviewer_not_eligible"],
    [agent, "refund_fixed", { users: [lead1.id] }, "approval.reviewer_choice_not_allowed"],
    [agent, "wire_pick", { users: [lead1.id] }, "approval.reviewers_below_quorum"],
    // A lead asking for two approvals with one other lead picked: one short.
    [lead1, "wire_pick", { users: [lead3.id] }, "approval.reviewers_below_quorum"],
  ];
  for (const [user, action, reviewers, code] of cases) {
    const res = await ask(user, action, "pay_refused", reviewers);
    assert.equal(res.status, 422, `${action} ${JSON.stringify(reviewers)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, code);
    assert.match(res.body.error.requestId, /^req_/);
  }
  const runsAfter = await asOwner(t, "SELECT count(*)::int AS n FROM airlock.runs");
  assert.equal(runsAfter.rows[0].n, runsBefore.rows[0].n, "no run was stored");
  const refusals = await asOwner(
    t,
    "SELECT error_code FROM airlock.audit_events WHERE type = 'approval.refused' AND data->>'attempted' = 'request'",
  );
  assert.equal(refusals.rows.length, cases.length, "each refusal is audited");

  // A malformed pick is a validation error of the body, never a 500.
  const malformed = await t.post(
    "/api/v1/actions/refund_pick/runs",
    { params: { payment: "pay_bad" }, reviewers: { users: "lead" } },
    agent.headers,
  );
  assert.equal(malformed.status, 422);
  assert.equal((await malformed.json()).error.code, "validation.failed");

  // The group of leads covers a quorum of 2 for a lead who asks (the other two leads decide).
  const asked = await ask(lead1, "wire_pick", "pay_wire_1", { groups: ["leads"] });
  assert.equal(asked.status, 202, JSON.stringify(asked.body));
  assert.deepEqual(await emailedFor(asked.body.approvalRequestId), [lead2.email, lead3.email].sort());
});

test("a run that needs no approval ignores the pick; the CLI's --reviewer sends it", async () => {
  const free = await ask(agent, "refund_pick", "free_1", { users: [watcher.id] });
  assert.equal(free.status, 200, JSON.stringify(free.body));
  assert.equal(free.body.status, "succeeded");

  const res = await runAirlock(
    [
      "run",
      "refund_pick",
      "--param",
      "payment=pay_cli_1",
      "--reason",
      "duplicate charge",
      "--reviewer",
      lead3.email,
      "--reviewer",
      "group:seniors",
    ],
    { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: agent.token },
  );
  assert.equal(res.code, 3, res.err);
  const runId = /run (run_\w+)/.exec(res.out)![1];
  const run = (await get(agent, `/api/v1/runs/${runId}`)).body;
  const view = await get(lead3, `/api/v1/approvals/${run.approvalRequestId}`);
  assert.deepEqual(view.body.chosenReviewers, {
    users: [{ id: lead3.id, name: "Lin Lead" }],
    groups: ["seniors"],
  });
  assert.deepEqual(await emailedFor(run.approvalRequestId), [lead3.email, senior.email].sort());
});

test("a replay of an Idempotency-Key must repeat the pick: other reviewers or none are a mismatch, nothing new runs", async () => {
  const send = async (key: string, payment: string, reviewers?: { users?: string[]; groups?: string[] }) => {
    const res = await t.post(
      "/api/v1/actions/refund_pick/runs",
      { params: { payment }, reason: "customer was charged twice", ...(reviewers ? { reviewers } : {}) },
      { ...agent.headers, "idempotency-key": key },
    );
    return { status: res.status, replayed: res.headers.get("idempotent-replayed"), body: await res.json() };
  };
  const first = await send("pick-replay-1", "pay_replay_1", { users: [lead1.id] });
  assert.equal(first.status, 202, JSON.stringify(first.body));
  const runsBefore = await asOwner(t, "SELECT count(*)::int AS n FROM airlock.runs");

  // The same pick, named by email this time, is the same request: the first run, replayed.
  const same = await send("pick-replay-1", "pay_replay_1", { users: [lead1.email] });
  assert.equal(same.status, 202, JSON.stringify(same.body));
  assert.equal(same.replayed, "true");
  assert.equal(same.body.id, first.body.id);

  for (const other of [
    { users: [lead2.id] },
    { users: [lead1.id, lead2.id] },
    { groups: ["leads"] },
    undefined,
  ]) {
    const res = await send("pick-replay-1", "pay_replay_1", other);
    assert.equal(res.status, 422, `${JSON.stringify(other)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, "idempotency.mismatch");
    assert.equal(res.body.error.details.runId, first.body.id);
  }
  const runsAfter = await asOwner(t, "SELECT count(*)::int AS n FROM airlock.runs");
  assert.equal(runsAfter.rows[0].n, runsBefore.rows[0].n, "no run was stored");
  // The first request still goes to the person picked first.
  assert.deepEqual(await emailedFor(first.body.approvalRequestId), [lead1.email]);

  // A run that needed no approval ignored the pick, and so does its replay.
  const free = await send("pick-replay-2", "free_replay", { users: [lead1.id] });
  assert.equal(free.status, 200, JSON.stringify(free.body));
  const freeAgain = await send("pick-replay-2", "free_replay", { users: [lead2.id] });
  assert.equal(freeAgain.status, 200, JSON.stringify(freeAgain.body));
  assert.equal(freeAgain.replayed, "true");
  assert.equal(freeAgain.body.id, free.body.id);
});

test("the form's Reviewers picker: the operator picks one reviewer in the browser; the request stores that pick and its page shows it; a high-risk action's confirmation names the reviewers picked", async () => {
  await buildWeb({ ifStale: true, quiet: true });
  const b = await launchBrowser();
  try {
    const { page } = await b.newPage();
    await signIn(page, server.url, agent.email, PASSWORD, "/actions/refund_pick");
    await page.getByRole("textbox", { name: "Payment", exact: true }).fill("pay_ui_1");
    const picker = page.getByRole("combobox", { name: "Reviewers" });
    await picker.click();
    await page.getByRole("option", { name: "Leo Lead" }).click();
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Run" }).click();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await t.airlock.database.pool.query(
        `SELECT ar.id, ar.chosen_reviewers FROM airlock.approval_requests ar JOIN airlock.runs r ON r.id = ar.run_id
          WHERE ar.requester_id = $1 AND r.params->>'payment' = 'pay_ui_1'`,
        [agent.id],
      );
      if (rows[0]) {
        assert.deepEqual(rows[0].chosen_reviewers, { users: [lead2.id], groups: [] });
        // The request's page says whom the requester asked.
        await page.goto(`${server.url}/approvals/${rows[0].id}`);
        const asked = page.locator("[data-chosen-reviewers]");
        await asked.waitFor();
        assert.match(
          (await asked.textContent()) ?? "",
          /The requester asked only Leo Lead: no one else may decide/,
        );
        break;
      }
      if (Date.now() > deadline) assert.fail("no approval request was made");
      await new Promise((r) => setTimeout(r, 100));
    }

    // A high-risk action: the confirmation before it sends names the pick.
    await page.goto(`${server.url}/actions/refund_big_pick`);
    await page.getByRole("textbox", { name: "Payment", exact: true }).fill("pay_big_1");
    await page.getByRole("combobox", { name: "Reviewers" }).click();
    await page.getByRole("option", { name: "Leo Lead" }).click();
    await page.getByRole("option", { name: "seniors" }).click();
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Review and run" }).click();
    const dialog = page.getByRole("dialog");
    const named = dialog.locator("[data-confirm-reviewers]");
    await named.waitFor();
    assert.equal((await named.textContent())?.trim(), "Only Leo Lead, the seniors group");
    await dialog.getByRole("button", { name: "Confirm and run" }).click();
    const bigDeadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await t.airlock.database.pool.query(
        `SELECT ar.chosen_reviewers FROM airlock.approval_requests ar JOIN airlock.runs r ON r.id = ar.run_id
          WHERE ar.requester_id = $1 AND r.params->>'payment' = 'pay_big_1'`,
        [agent.id],
      );
      if (rows[0]) {
        assert.deepEqual(rows[0].chosen_reviewers, { users: [lead2.id], groups: ["seniors"] });
        break;
      }
      if (Date.now() > bigDeadline) assert.fail("no approval request was made");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await b.close();
  }
});
