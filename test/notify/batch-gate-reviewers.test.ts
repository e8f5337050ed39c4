// The requester narrows the reviewers of a bulk batch (at its start) and of a runbook's approval
// gates (at the runbook's start, by gate step name), with the rules a run's choice follows
// (approval/reviewer-choice.ts). Over the real HTTP app, the durable engine, a real SMTP server
// and the Slack Web API stand-in: only the people picked are emailed, sent a Slack direct message
// and an in-app notification, and only they may decide; a pick outside the eligible reviewers,
// the requester themself, or a gate that does not allow choosing is refused with a stable code
// and nothing is started. A runbook's start preview offers each choosable gate's reviewers, and
// the start form (Chromium) and `airlock runbook start --gate-reviewer` send the picks.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getApprovalRequest } from "../../src/approval/approval-store.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { listNotifications } from "../../src/notify/notification-store.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { prepareBulkTables } from "../bulk/bulk-fixture.ts";
import { type SlackStandIn, startSlackStandIn } from "../integrations/slack-stand-in.ts";
import { runAirlock } from "../support/airlock-cli.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn } from "../web/support/chromium.ts";
import { type SmtpCatcher, startSmtpCatcher } from "./smtp-catcher.ts";

const SLACK_TOKEN = "xoxb-pick-test";

const pickFee = defineAction({
  name: "pick_fee",
  title: "Charge a picked fee",
  tags: ["fees"],
  execution: "inline",
  params: z.object({ accountId: z.string(), amountCents: z.number().int().positive() }),
  bulk: {
    maxItems: 20,
    paramsFrom: (row) => ({ accountId: row.accountId, amountCents: Number(row.amountCents ?? 100) }),
    approval: {
      when: (b) => (b.count > 1 ? "more than one item" : false),
      reviewers: { groups: ["managers"] },
      requesterChoosesReviewers: true,
    },
  },
  handler: (p) => ({ charged: p.amountCents }),
});

// The same batch policy without the choice.
const fixedFee = defineAction({
  name: "fixed_fee",
  title: "Charge a fixed fee",
  tags: ["fees"],
  execution: "inline",
  params: z.object({ accountId: z.string() }),
  bulk: {
    maxItems: 20,
    paramsFrom: (row) => ({ accountId: row.accountId }),
    approval: { when: (b) => b.count > 1, reviewers: { groups: ["managers"] } },
  },
  handler: () => ({ charged: 1 }),
});

const note = defineAction({
  name: "note_change",
  title: "Note a change",
  tags: ["pricing"],
  execution: "inline",
  params: z.object({ plan: z.string() }),
  handler: (p) => ({ noted: p.plan }),
});

const reprice = defineRunbook({
  name: "reprice_picked",
  title: "Reprice with picked reviewers",
  params: z.object({ plan: z.string() }),
  uses: ["note_change"],
  async handler(rb, { plan }) {
    await rb.approve({
      step: "sign_off",
      reviewers: { groups: ["managers"] },
      reason: `Reprice ${plan}`,
      requesterChoosesReviewers: true,
      expiresIn: "1h",
    });
    await rb.approve({ step: "second_look", reviewers: { groups: ["managers"] }, reason: "Second look" });
    await rb.run("note_change", { plan });
  },
});

const workspace = defineWorkspace({
  name: "picked",
  actions: [pickFee, fixedFee, note],
  runbooks: [reprice],
  roles: { operator: { groups: ["operators"] }, manager: { groups: ["managers"] } },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "fees" } },
    { to: "operator", verbs: ["view", "run"], on: { tag: "pricing" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "reprice_picked" } },
    { to: "manager", verbs: ["view", "approve"], on: { tag: "fees" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "reprice_picked" } },
  ],
});

let t: TestAirlock;
let smtp: SmtpCatcher;
let slack: SlackStandIn;
let operator: TestUser;
/** An operator and a manager: starts things, so may never be picked for them. */
let lead: TestUser;
let manager1: TestUser;
let manager2: TestUser;
/** A manager who reads the team channel the requests are posted to. */
let manager3: TestUser;

before(async () => {
  smtp = await startSmtpCatcher();
  slack = await startSlackStandIn(SLACK_TOKEN);
  // The team channel: 250 members (two pages of conversations.members), one of them manager3.
  slack.channelMembers.set("C0PICKED", [...Array.from({ length: 249 }, (_, i) => `U0FILL${i}`), "U0MAX"]);
  t = await startTestAirlock({
    workspace,
    prepare: prepareBulkTables,
    env: {
      AIRLOCK_SMTP_URL: smtp.url,
      AIRLOCK_SMTP_FROM: "Airlock <airlock@picked.test>",
      AIRLOCK_SLACK_BOT_TOKEN: SLACK_TOKEN,
      AIRLOCK_SLACK_SIGNING_SECRET: "picked-signing-secret",
      AIRLOCK_SLACK_CHANNEL: "C0PICKED",
      AIRLOCK_SLACK_API_URL: slack.url,
    },
  });
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, { groups: ["operators"], name: "Ona Operator" });
  lead = await createUser(pool, {
    groups: ["operators", "managers"],
    name: "Lea Lead",
    passwordHash: await hashPassword(PASSWORD),
  });
  manager1 = await createUser(pool, { groups: ["managers"], name: "Mia Manager" });
  manager2 = await createUser(pool, { groups: ["managers"], name: "Mark Manager" });
  manager3 = await createUser(pool, { groups: ["managers"], name: "Max Member" });
  // Both managers linked their Slack identity: each could be sent a direct message.
  for (const [user, slackId] of [
    [manager1, "U0MIA"],
    [manager2, "U0MARK"],
    [manager3, "U0MAX"],
  ] as const)
    await pool.query(
      `INSERT INTO airlock.slack_links (slack_team_id, slack_user_id, user_id, verified_by, linked_by)
       VALUES ('T0PICKED', $1, $2, 'email', $2)`,
      [slackId, user.id],
    );
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

/** Who was told of the request, per channel, once the notices are written. */
async function toldOf(approvalRequestId: string) {
  await t.airlock.approvals.events.drain();
  const pool = t.airlock.database.pool;
  const rows = await until("the request's notices", async () => {
    const found = await listNotifications(pool, { approvalRequestId, limit: 50 });
    return found.some((r) => r.channel === "in_app") ? found : undefined;
  });
  const to = (channel: string, by: (r: (typeof rows)[number]) => string | null) =>
    rows
      .filter((r) => r.channel === channel)
      .map(by)
      .filter((x) => x !== null)
      .sort();
  return {
    email: to("email", (r) => r.address),
    inApp: to("in_app", (r) => r.recipient_id),
    // Direct messages name their recipient; the team channel's post has none.
    slack: to("slack", (r) => r.recipient_id),
  };
}

const rowsFor = (accounts: string[]) => accounts.map((accountId) => ({ accountId, amountCents: 300 }));

test("Slack: a reviewer in the team channel is not sent the request again as a direct message; when Slack cannot list the channel's members, everyone gets one", async () => {
  const startBatch = async (accounts: string[]) => {
    const body = { action: "pick_fee", rows: rowsFor(accounts) };
    const preview = await call(operator, "POST", "/api/v1/bulk/preview", body);
    const started = await call(operator, "POST", "/api/v1/bulk/start", {
      ...body,
      itemSetHash: preview.body.itemSetHash,
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return started.body.batch.approvalRequestId as string;
  };
  // Slack cannot answer the lookup: nobody is skipped (a duplicate rather than a silence).
  slack.membersOutages.count = 1;
  const first = await toldOf(await startBatch(["acc_030", "acc_029"]));
  assert.deepEqual(first.slack, [manager1.id, manager2.id, manager3.id].sort());

  const second = await toldOf(await startBatch(["acc_028", "acc_027"]));
  assert.deepEqual(
    second.slack,
    [manager1.id, manager2.id].sort(),
    "no direct message to the channel's member",
  );
  assert.deepEqual(
    second.email,
    [lead.email, manager1.email, manager2.email, manager3.email].sort(),
    "email is not Slack: every eligible manager is emailed",
  );
  const lookups = slack.calls.filter((c) => c.method === "conversations.members");
  assert.ok(
    lookups.some((c) => c.body.channel === "C0PICKED" && c.body.limit === "200" && !c.body.cursor),
    "the first page",
  );
  assert.ok(
    lookups.some((c) => c.body.channel === "C0PICKED" && typeof c.body.cursor === "string"),
    "the next page, by the cursor Slack gave",
  );
  assert.deepEqual(slack.refused, [], "every call had the method and shape Slack documents");
  // The channel itself still gets the post with its buttons.
  const rows = await listNotifications(t.airlock.database.pool, {
    channel: "slack",
    approvalRequestId: (
      await t.airlock.database.pool.query(
        "SELECT id FROM airlock.approval_requests ORDER BY created_at DESC LIMIT 1",
      )
    ).rows[0].id,
    limit: 10,
  });
  assert.ok(rows.some((r) => r.address === "C0PICKED"));
});

test("a batch: the preview offers the eligible managers; a pick outside them, or yourself, is refused and nothing starts; only the one picked is notified and may approve", async () => {
  const body = { action: "pick_fee", rows: rowsFor(["acc_001", "acc_002", "acc_003"]) };
  const preview = await call(lead, "POST", "/api/v1/bulk/preview", body);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.policies[0].requesterChoosesReviewers, true);
  assert.deepEqual(
    preview.body.reviewerOptions.people.map((p: { name: string }) => p.name).sort(),
    ["Mark Manager", "Max Member", "Mia Manager"],
    "the managers, never the requester",
  );
  assert.deepEqual(preview.body.reviewerOptions.groups, ["managers"]);
  const start = (reviewers: unknown, key?: string) =>
    t.request("/api/v1/bulk/start", {
      method: "POST",
      headers: { ...lead.headers, ...(key ? { "idempotency-key": key } : {}) },
      body: JSON.stringify({ ...body, itemSetHash: preview.body.itemSetHash, reviewers }),
    });

  for (const [reviewers, code] of [
    [{ users: [operator.email] }, "approval.reviewer_not_eligible"],
    [{ users: [lead.id] }, "approval.reviewer_not_eligible"],
    [{ groups: ["operators"] }, "approval.reviewer_not_eligible"],
  ] as const) {
    const refused = await start(reviewers);
    const answer = (await refused.json()) as { error: { code: string; requestId: string } };
    assert.equal(refused.status, 422, JSON.stringify(answer));
    assert.equal(answer.error.code, code);
    assert.ok(answer.error.requestId);
  }
  const none = await t.airlock.database.pool.query(
    "SELECT count(*)::int AS n FROM airlock.bulk_batches WHERE requester_id = $1",
    [lead.id],
  );
  assert.equal(none.rows[0].n, 0, "no batch was started by a refused pick");

  const started = await start({ users: [manager1.email] }, "pick-batch-1");
  const startedBody = (await started.json()) as { batch: { id: string; approvalRequestId: string } };
  assert.equal(started.status, 202, JSON.stringify(startedBody));
  const { id: batchId, approvalRequestId } = startedBody.batch;
  const request = await getApprovalRequest(t.airlock.database.pool, approvalRequestId);
  assert.deepEqual(request?.chosen_reviewers, { users: [manager1.id], groups: [] });

  const told = await toldOf(approvalRequestId);
  assert.deepEqual(told.email, [manager1.email], "only the one picked is emailed");
  assert.deepEqual(told.inApp, [manager1.id], "only the one picked gets the bell's notification");
  assert.deepEqual(told.slack, [manager1.id], "a Slack direct message to the one picked only");

  // A replay of the key with another pick is another request.
  const replayed = await start({ users: [manager2.email] }, "pick-batch-1");
  assert.equal(replayed.status, 422);
  assert.equal(((await replayed.json()) as { error: { code: string } }).error.code, "idempotency.mismatch");

  const notPicked = await call(manager2, "POST", `/api/v1/bulk/${batchId}/approve`, {});
  assert.equal(notPicked.status, 403, JSON.stringify(notPicked.body));
  assert.equal(notPicked.body.error.code, "approval.not_chosen");
  const picked = await call(manager1, "POST", `/api/v1/bulk/${batchId}/approve`, {});
  assert.equal(picked.status, 200, JSON.stringify(picked.body));
  await until("the batch ran", async () => {
    const { body: batch } = await call(lead, "GET", `/api/v1/bulk/${batchId}`);
    return batch.status === "succeeded" ? batch : undefined;
  });
});

test("a batch whose policy does not let the requester choose: a pick is refused with approval.reviewer_choice_not_allowed", async () => {
  const body = { action: "fixed_fee", rows: [{ accountId: "acc_010" }, { accountId: "acc_011" }] };
  const preview = await call(operator, "POST", "/api/v1/bulk/preview", body);
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.reviewerOptions, null);
  const refused = await call(operator, "POST", "/api/v1/bulk/start", {
    ...body,
    itemSetHash: preview.body.itemSetHash,
    reviewers: { users: [manager1.email] },
  });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, "approval.reviewer_choice_not_allowed");
});

test("a runbook's gate: the starter picks its reviewers at start; a pick of themself, outside the gate's reviewers, for a gate that does not allow it or does not exist is refused; only the one picked is notified and may approve", async () => {
  const startWith = (gateReviewers: unknown) =>
    call(lead, "POST", "/api/v1/runbooks/reprice_picked/runs", { params: { plan: "pro" }, gateReviewers });
  for (const [gateReviewers, code] of [
    [{ sign_off: { users: [lead.email] } }, "approval.reviewer_not_eligible"],
    [{ sign_off: { users: [operator.email] } }, "approval.reviewer_not_eligible"],
    [{ second_look: { users: [manager1.email] } }, "approval.reviewer_choice_not_allowed"],
    [{ no_such_gate: { users: [manager1.email] } }, "approval.reviewer_choice_not_allowed"],
  ] as const) {
    const refused = await startWith(gateReviewers);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, code);
  }
  const none = await t.airlock.database.pool.query(
    "SELECT count(*)::int AS n FROM airlock.runbook_runs WHERE actor_id = $1",
    [lead.id],
  );
  assert.equal(none.rows[0].n, 0, "no runbook was started by a refused pick");

  const started = await startWith({ sign_off: { users: [manager2.email] } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.id as string;
  const waitingAt = (step: string) =>
    until(`the gate ${step}`, async () => {
      const { body } = await call(lead, "GET", `/api/v1/runbook-runs/${id}`);
      return body.steps?.find(
        (s: { name: string; status: string }) => s.name === step && s.status === "waiting",
      );
    });
  const gate = await waitingAt("sign_off");
  const approvalId = gate.approval.requestId as string;
  const told = await toldOf(approvalId);
  assert.deepEqual(told.email, [manager2.email], "only the one picked is emailed");
  assert.deepEqual(told.inApp, [manager2.id]);
  assert.deepEqual(told.slack, [manager2.id], "a Slack direct message to the one picked only");

  const notPicked = await call(manager1, "POST", `/api/v1/approvals/${approvalId}/approve`, {});
  assert.equal(notPicked.status, 403, JSON.stringify(notPicked.body));
  assert.equal(notPicked.body.error.code, "approval.not_chosen");
  const picked = await call(manager2, "POST", `/api/v1/approvals/${approvalId}/approve`, {});
  assert.equal(picked.status, 200, JSON.stringify(picked.body));

  // The gate with no pick asks every eligible reviewer (never the starter).
  const second = await waitingAt("second_look");
  const secondTold = await toldOf(second.approval.requestId as string);
  assert.deepEqual(secondTold.email, [manager1.email, manager2.email, manager3.email].sort());
});

test("a runbook start replayed with its idempotency key: the same gate pick answers with the first run, another pick is idempotency.mismatch and starts nothing", async () => {
  const start = async (users: string[]) => {
    const res = await t.request("/api/v1/runbooks/reprice_picked/runs", {
      method: "POST",
      headers: { ...lead.headers, "idempotency-key": "reprice-picked-replay-1" },
      body: JSON.stringify({ params: { plan: "team" }, gateReviewers: { sign_off: { users } } }),
    });
    return { status: res.status, body: await res.json() };
  };
  const first = await start([manager2.email]);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  const again = await start([manager2.id]);
  assert.equal(again.status, 202, JSON.stringify(again.body));
  assert.equal(again.body.id, first.body.id, "the same pick (by id this time) answers with the first run");
  const other = await start([manager3.email]);
  assert.equal(other.status, 422, JSON.stringify(other.body));
  assert.equal(other.body.error.code, "idempotency.mismatch");
  const runs = await t.airlock.database.pool.query(
    "SELECT count(*)::int AS n FROM airlock.runbook_runs WHERE idempotency_key = $1",
    ["reprice-picked-replay-1"],
  );
  assert.equal(runs.rows[0].n, 1, "one runbook run for the key");
});

test("the /bulk/new picker in Chromium: the preview offers the managers, the one picked is stored on the batch's approval request", async () => {
  await buildWeb({ ifStale: true, quiet: true });
  const server = await listen(t.airlock.app, "127.0.0.1", 0);
  const b = await launchBrowser();
  try {
    const { page } = await b.newPage();
    await signIn(page, server.url, lead.email, PASSWORD, "/bulk/new?action=pick_fee");
    await page
      .getByRole("textbox", { name: "CSV of items" })
      .fill("accountId,amountCents\nacc_020,100\nacc_021,100\n");
    await page.getByRole("button", { name: "Preview the CSV" }).click();
    const preview = page.locator("[data-bulk-preview]");
    await preview.getByText("more than one item").waitFor();
    await preview.getByRole("combobox", { name: "Reviewers" }).click();
    await page.getByRole("option", { name: "Mia Manager" }).click();
    assert.equal(await page.getByRole("option", { name: "Lea Lead" }).count(), 0, "never yourself");
    await page.keyboard.press("Escape");
    await preview.getByRole("button", { name: "Start batch of 2" }).click();
    await page.waitForURL(/\/bulk\/blk_/);
    const batchId = /\/bulk\/(blk_\w+)/.exec(page.url())![1]!;
    const { rows } = await t.airlock.database.pool.query(
      `SELECT ar.chosen_reviewers FROM airlock.bulk_batches b
         JOIN airlock.approval_requests ar ON ar.id = b.approval_request_id WHERE b.id = $1`,
      [batchId],
    );
    assert.deepEqual(rows[0]?.chosen_reviewers, { users: [manager1.id], groups: [] });
  } finally {
    await b.close();
    await server.close(100);
  }
});

test("a runbook's start preview offers each gate that lets the starter choose, with its eligible reviewers; its refusals are the start's; the CLI's --gate-reviewer picks by gate", async () => {
  const preview = await call(lead, "POST", "/api/v1/runbooks/reprice_picked/preview", {
    params: { plan: "pro" },
  });
  assert.equal(preview.status, 200, JSON.stringify(preview.body));
  assert.equal(preview.body.complete, true);
  assert.deepEqual(
    preview.body.gates.map((g: { step: string }) => g.step),
    ["sign_off"],
    "second_look does not let the starter choose",
  );
  const options = preview.body.gates[0].reviewerOptions;
  assert.deepEqual(options.groups, ["managers"]);
  assert.deepEqual(
    options.people.map((p: { id: string }) => p.id).sort(),
    [manager1.id, manager2.id, manager3.id].sort(),
    "the managers, never the starter",
  );
  // The start's refusals, for the same mistakes.
  for (const [user, body, status, code] of [
    [lead, { params: {} }, 422, "validation.failed"],
    [manager1, { params: { plan: "pro" } }, 403, "permission.denied"],
  ] as const) {
    const previewed = await call(user, "POST", "/api/v1/runbooks/reprice_picked/preview", body);
    const started = await call(user, "POST", "/api/v1/runbooks/reprice_picked/runs", body);
    assert.deepEqual([previewed.status, previewed.body.error?.code], [status, code]);
    assert.deepEqual([started.status, started.body.error?.code], [status, code]);
  }
  // Someone the preview does not offer is refused at the start.
  const outside = await call(lead, "POST", "/api/v1/runbooks/reprice_picked/runs", {
    params: { plan: "pro" },
    gateReviewers: { sign_off: { users: [operator.id] } },
  });
  assert.equal(outside.status, 422, JSON.stringify(outside.body));
  assert.equal(outside.body.error.code, "approval.reviewer_not_eligible");

  const server = await listen(t.airlock.app, "127.0.0.1", 0);
  try {
    const cli = (...pick: string[]) =>
      runAirlock(["runbook", "start", "reprice_picked", "--param", "plan=cli", ...pick], {
        AIRLOCK_URL: server.url,
        AIRLOCK_TOKEN: lead.token,
      });
    const refused = await cli("--gate-reviewer", `sign_off=${operator.email}`);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.err, /approval\.reviewer_not_eligible/);
    const started = await cli(
      "--gate-reviewer",
      `sign_off=${manager1.email}`,
      "--gate-reviewer",
      "sign_off=group:managers",
    );
    assert.equal(started.code, 3, started.err);
    const id = /runbook run (rbr_\w+)/.exec(started.out)?.[1];
    const { rows } = await t.airlock.database.pool.query(
      "SELECT gate_reviewers FROM airlock.runbook_runs WHERE id = $1",
      [id],
    );
    assert.deepEqual(rows[0]?.gate_reviewers, { sign_off: { users: [manager1.id], groups: ["managers"] } });
    await call(lead, "POST", `/api/v1/runbook-runs/${id}/cancel`, {});
  } finally {
    await server.close(100);
  }
});

test("the runbook start form in Chromium: the gate's picker offers its managers, the confirmation names the one picked, and the gate's approval request asks only them", async () => {
  await buildWeb({ ifStale: true, quiet: true });
  const server = await listen(t.airlock.app, "127.0.0.1", 0);
  const b = await launchBrowser();
  try {
    const { page } = await b.newPage();
    await signIn(page, server.url, lead.email, PASSWORD, "/runbooks/reprice_picked");
    await page.getByRole("textbox", { name: /plan/i }).fill("web");
    await page.getByRole("button", { name: "Start runbook" }).click();
    const choice = page.locator("[data-gate-reviewers]");
    await choice.getByRole("combobox", { name: "Reviewers at sign_off" }).click();
    assert.equal(await page.getByRole("option", { name: "Lea Lead" }).count(), 0, "never yourself");
    await page.getByRole("option", { name: "Mark Manager" }).click();
    await page.keyboard.press("Escape");
    await choice.getByText("sign_off: only Mark Manager").waitFor();
    await choice.getByRole("button", { name: "Confirm and start" }).click();
    await page.waitForURL(/\/runbooks\/runs\/rbr_/);
    const id = /\/runbooks\/runs\/(rbr_\w+)/.exec(page.url())![1]!;
    const gate = await until("the gate sign_off", async () => {
      const { body } = await call(lead, "GET", `/api/v1/runbook-runs/${id}`);
      return body.steps?.find(
        (s: { name: string; status: string }) => s.name === "sign_off" && s.status === "waiting",
      );
    });
    const approvalId = gate.approval.requestId as string;
    const request = await getApprovalRequest(t.airlock.database.pool, approvalId);
    assert.deepEqual(request?.chosen_reviewers, { users: [manager2.id], groups: [] });
    assert.deepEqual((await toldOf(approvalId)).inApp, [manager2.id], "only the one picked is notified");
    await call(lead, "POST", `/api/v1/runbook-runs/${id}/cancel`, {});
  } finally {
    await b.close();
    await server.close(100);
  }
});
