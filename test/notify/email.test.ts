// Email notifications over a real SMTP server (smtp-server in this process): who receives the
// approval-needed email (the eligible reviewers, never the requester or someone without approve),
// what it says (masked parameters, the requester's reason, a link that only opens the page), the
// decision email to the requester, and an SMTP refusal recorded on the notification and retried
// without holding up the decision.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/ids/ids.ts";
import { listNotifications } from "../../src/notify/notification-store.ts";
import { type Cast, decide, getJson, startApprovalAirlock } from "../approval/approval-support.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";
import { type SmtpCatcher, startSmtpCatcher } from "./smtp-catcher.ts";

let t: TestAirlock;
let cast: Cast;
let smtp: SmtpCatcher;

before(async () => {
  smtp = await startSmtpCatcher();
  ({ t, cast } = await startApprovalAirlock({
    env: {
      AIRLOCK_SMTP_URL: smtp.url,
      AIRLOCK_SMTP_FROM: "Airlock <airlock@fixture.test>",
      AIRLOCK_PUBLIC_URL: "https://airlock.fixture.test",
    },
  }));
});
after(async () => {
  await t.close();
  await smtp.close();
});

async function requestClose(account: string, contact: string, reason: string) {
  const res = await t.post(
    "/api/v1/actions/close_account/runs",
    { params: { account, contact }, reason },
    cast.clerk.headers,
  );
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  return body.approvalRequestId as string;
}

// The delivery log (the admin API over the same rows is tested in notification-routes.test.ts).
async function notificationsOf(approvalId: string) {
  const rows = await listNotifications(t.airlock.database.pool, {
    channel: "email",
    approvalRequestId: approvalId,
    limit: 50,
  });
  return rows.map((r) => ({
    to: r.address,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}

test("approval needed: the eligible reviewers get an email with masked parameters, the reason and a link", async () => {
  const approvalId = await requestClose(
    "acc_mail_1",
    "jane.doe@example.com",
    "customer asked to close, ticket 42",
  );
  await t.airlock.approvals.events.drain();
  const reviewers = [cast.approver1, cast.approver2, cast.complianceOfficer, cast.cfo].map((u) =>
    u.email.toLowerCase(),
  );
  const mails = await smtp.waitFor(
    (m) => m.filter((x) => x.raw.includes(approvalId)).length >= reviewers.length,
  );
  const sent = mails.filter((m) => m.raw.includes(approvalId));
  assert.deepEqual(sent.flatMap((m) => m.to.map((a) => a.toLowerCase())).sort(), [...reviewers].sort());
  // Never the requester; never a holder of approve whom no policy lists; never a stranger.
  for (const user of [cast.clerk, cast.treasurer, cast.admin, cast.outsider])
    assert.ok(!sent.some((m) => m.to.includes(user.email)), `${user.email} was not to be told`);

  for (const mail of sent) {
    assert.equal(mail.from, "airlock@fixture.test");
    assert.match(mail.decoded, /Subject: Approval needed: Close an account on account:acc_mail_1/);
    assert.match(mail.decoded, /Content-Type: text\/plain/);
    assert.match(mail.decoded, /Content-Type: text\/html/);
    assert.ok(mail.decoded.includes("customer asked to close, ticket 42"), "the requester's reason");
    assert.ok(!mail.raw.includes("jane.doe@example.com") && !mail.decoded.includes("jane.doe@example.com"));
    assert.match(mail.decoded, /contact: j•+@example\.com/, "the PII parameter, masked");
    assert.ok(mail.decoded.includes(`https://airlock.fixture.test/approvals/${approvalId}`), "the link");
    // The link opens the page; it carries no token and decides nothing.
    assert.ok(!/approvals\/apr_[^\s"]*\/(approve|reject)/.test(mail.decoded));
    assert.ok(!/token=|[?&]sig=/.test(mail.decoded));
  }
  // The SMTP server has the mail before the sender hears its "250 OK" and records the delivery:
  // wait for the rows to be settled, then check what they say.
  const rows = await settledRowsOf(approvalId, reviewers.length);
  assert.ok(
    rows.every((r) => r.status === "delivered" && r.attempts === 1 && r.lastError === null),
    JSON.stringify(rows),
  );

  // Following the link without a session shows nothing of the request: the UI's page asks to sign in,
  // the API refuses.
  const anonymous = await t.request(`/api/v1/approvals/${approvalId}`);
  assert.equal(anonymous.status, 401);

  // The decision reaches the requester.
  const rejected = await decide(t, cast.approver1, approvalId, "reject", { reason: "account has a balance" });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  await t.airlock.approvals.events.drain();
  const decided = await smtp.waitFor((m) =>
    m.some((x) => x.decoded.includes("Subject: Rejected: Close an account")),
  );
  const toRequester = decided.filter((m) => m.decoded.includes("Subject: Rejected: Close an account"));
  assert.deepEqual(
    toRequester.map((m) => m.to),
    [[cast.clerk.email]],
  );
  assert.ok(toRequester[0]!.decoded.includes("account has a balance"));
  assert.ok(toRequester[0]!.decoded.includes("Abe Approver (api)"));
});

test("an SMTP refusal is recorded on the notification and retried; the decision is not held up", async () => {
  smtp.refuse(cast.approver2.email, 1);
  const approvalId = await requestClose("acc_mail_2", "x@example.org", "second request");
  await t.airlock.approvals.events.drain();
  // The first attempt to approver2 fails: the row says so, with the attempt count and the error.
  const deadline = Date.now() + 15_000;
  let refused: Awaited<ReturnType<typeof notificationsOf>>[number] | undefined;
  while (Date.now() < deadline) {
    refused = (await notificationsOf(approvalId)).find((r) => r.to === cast.approver2.email);
    if (refused && refused.attempts >= 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(refused, "a notification for approver2");
  if (refused.status === "pending") {
    assert.equal(refused.attempts, 1);
    assert.match(refused.lastError ?? "", /451/);
  }
  // Meanwhile the request is decided as usual.
  const approved = await decide(t, cast.approver1, approvalId, "approve");
  assert.equal(approved.status, 200, JSON.stringify(approved.body));

  // The retry (after the backoff) delivers it, and the row keeps the error of the failed attempt.
  await smtp.waitFor((m) => m.some((x) => x.raw.includes(approvalId) && x.to.includes(cast.approver2.email)));
  const retried = await waitForRow(approvalId, cast.approver2.email, (r) => r.status === "delivered");
  assert.equal(retried.attempts, 2);
  assert.match(retried.lastError ?? "", /451/);
});

/** The delivery log of `approvalId` once it has `count` rows and none is waiting for its first attempt. */
async function settledRowsOf(approvalId: string, count: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await notificationsOf(approvalId);
    if (rows.length === count && rows.every((r) => r.attempts > 0)) return rows;
    if (Date.now() > deadline) throw new Error(`rows of ${approvalId}: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForRow(
  approvalId: string,
  to: string,
  ok: (row: Awaited<ReturnType<typeof notificationsOf>>[number]) => boolean,
) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = (await notificationsOf(approvalId)).find((r) => r.to === to);
    if (row && ok(row)) return row;
    if (Date.now() > deadline) throw new Error(`row for ${to}: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("outside demo mode there is no Mailbox", async () => {
  const res = await t.request("/api/v1/mailbox", { headers: cast.admin.headers });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "request.not_found");
});

test("preferences: a group's default turns an email off, a person's own choice wins", async () => {
  const pool = t.airlock.database.pool;
  const admin = await createUser(pool, { groups: ["pref-admins"], name: "Pia Admin" });
  await pool.query(
    `INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by)
     VALUES ($1, 'group', 'pref-admins', '{admin}', 'all', NULL, $2)`,
    [newId("gnt"), admin.id],
  );
  const off = { eventType: "approval.requested", channel: "email", enabled: false };
  const byReviewer = await t.request("/api/v1/admin/groups/approvers/notification-defaults", {
    method: "PUT",
    headers: { ...cast.approver1.headers, "content-type": "application/json" },
    body: JSON.stringify(off),
  });
  assert.equal(byReviewer.status, 403, "only admins set group defaults");
  const setDefault = await t.request("/api/v1/admin/groups/approvers/notification-defaults", {
    method: "PUT",
    headers: { ...admin.headers, "content-type": "application/json" },
    body: JSON.stringify(off),
  });
  assert.equal(setDefault.status, 200, await setDefault.clone().text());
  const own = await t.request("/api/v1/me/notification-preferences", {
    method: "PUT",
    headers: { ...cast.approver1.headers, "content-type": "application/json" },
    body: JSON.stringify({ ...off, enabled: true }),
  });
  assert.equal(own.status, 200);
  const shown = await getJson(t, cast.approver2, "/api/v1/me/notification-preferences");
  assert.deepEqual(
    shown.body.preferences.find(
      (p: { eventType: string; channel: string }) =>
        p.eventType === "approval.requested" && p.channel === "email",
    ),
    { eventType: "approval.requested", channel: "email", enabled: false, source: "group" },
  );

  const approvalId = await requestClose("acc_mail_3", "y@example.org", "third request");
  await t.airlock.approvals.events.drain();
  const expected = [cast.approver1, cast.complianceOfficer, cast.cfo]
    .map((u) => u.email.toLowerCase())
    .sort();
  await smtp.waitFor((m) => m.filter((x) => x.raw.includes(approvalId)).length >= expected.length);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const to = smtp.mails
    .filter((m) => m.raw.includes(approvalId))
    .flatMap((m) => m.to.map((a) => a.toLowerCase()))
    .sort();
  assert.deepEqual(to, expected, "approver2 (group default off) gets none; approver1 (own choice on) does");
});
