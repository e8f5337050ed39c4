// No puppets: an admin never knows another person's password. The second path — a second
// admin approves a user with a password the admin chose, and the admin signs in as them — now
// fails: admins cannot choose passwords, the person gets a one-time link by email (minted at the
// send, stored hashed, single use, expiring, audited) that the admin never sees, and a password
// someone else chose (the CLI's first admin) opens no session and approves nothing until changed.
// Real app, real PostgreSQL, a real SMTP server.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type SmtpCatcher, startSmtpCatcher } from "../notify/smtp-catcher.ts";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, type TestUser } from "../support/users.ts";
import { governanceWorkspace } from "./governance-workspace.ts";

let t: TestAirlock;
let smtp: SmtpCatcher;
let ada: TestUser; // admin
let bob: TestUser; // second admin
let sam: TestUser; // support agent

before(async () => {
  smtp = await startSmtpCatcher();
  t = await startTestAirlock({
    workspace: governanceWorkspace,
    env: { AIRLOCK_SMTP_URL: smtp.url, AIRLOCK_PUBLIC_URL: "http://airlock.test" },
  });
  const pool = t.airlock.database.pool;
  ada = await createUser(pool, { groups: ["admins"], name: "Ada Admin", email: "ada@gov.test" });
  bob = await createUser(pool, { groups: ["admins"], name: "Bob Admin", email: "bob@gov.test" });
  sam = await createUser(pool, { groups: ["support"], name: "Sam Support" });
});
after(async () => {
  await t.close();
  await smtp.close();
});

const call = async (user: TestUser | Browser | null, method: string, path: string, body?: unknown) => {
  const init = { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  const res =
    user instanceof Browser
      ? await user.request(path, init)
      : await t.request(path, {
          ...init,
          headers: user ? user.headers : { "content-type": "application/json" },
        });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers, text };
};
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/** The link in the newest invitation email to `address`. */
async function linkSentTo(address: string, after = 0): Promise<string> {
  const mails = await smtp.waitFor((all) => all.filter((m) => m.to.includes(address)).length > after, 20_000);
  const mail = mails.filter((m) => m.to.includes(address)).at(-1)!;
  const match = /\/set-password#invitation=(inv_[A-Za-z0-9_-]{43})/.exec(mail.decoded);
  assert.ok(match, `no invitation link in: ${mail.decoded}`);
  return match[1]!;
}

describe("path 2 now fails: the admin never knows the new approver's password", () => {
  let token: string;
  let userId: string;

  test("an admin-chosen password is refused with its code, nothing stored", async () => {
    const refused = await call(ada, "POST", "/api/v1/admin/users", {
      email: "puppet@gov.test",
      name: "Pat Puppet",
      groups: ["support-managers"],
      password: "chosen by the admin",
    });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.body.error.code, "admin.password_not_allowed");
    assert.ok(refused.body.error.requestId);
    const rows = await t.airlock.database.pool.query(
      "SELECT (SELECT count(*) FROM airlock.users WHERE email = 'puppet@gov.test')::int AS users, (SELECT count(*) FROM airlock.change_requests)::int AS changes",
    );
    assert.deepEqual(rows.rows[0], { users: 0, changes: 0 });
  });

  test("the user is created by a second admin's approval; the link goes to the person's email only", async () => {
    const held = await call(ada, "POST", "/api/v1/admin/users", {
      email: "pat@gov.test",
      name: "Pat Manager",
      groups: ["support-managers"],
    });
    assert.equal(held.status, 202, held.text);
    assert.match(held.body.changeRequest.summary, /invitation link to set their own password/);
    const applied = await call(bob, "POST", `/api/v1/changes/${held.body.changeRequest.id}/approve`, {});
    assert.equal(applied.body.status, "applied", applied.text);
    userId = applied.body.result.userId;
    await t.airlock.approvals.events.drain();
    token = await linkSentTo("pat@gov.test");
    assert.ok(!smtp.mails.some((m) => m.to.includes("ada@gov.test") && m.decoded.includes(token)));

    // Everything the admin can read says an invitation is pending; nothing holds the link.
    const user = await call(ada, "GET", `/api/v1/admin/users/${userId}`);
    assert.equal(user.body.hasPassword, false);
    assert.equal(user.body.invitation.status, "pending");
    const readable = [
      user.text,
      (await call(ada, "GET", `/api/v1/changes/${held.body.changeRequest.id}`)).text,
      (await call(ada, "GET", "/api/v1/admin/notifications?channel=email")).text,
      (await call(ada, "GET", "/api/v1/admin/users")).text,
      (await call(ada, "GET", `/api/v1/audit?limit=200`)).text,
    ];
    for (const text of readable) assert.ok(!text.includes(token), "an admin-readable answer holds the link");
    const log = JSON.parse(readable[2]!).notifications.find((n: { to: string }) => n.to === "pat@gov.test");
    assert.equal(log.status, "delivered");
    assert.match(log.text, /in the email only/);

    // The database keeps the token's hash, never the token.
    const stored = await t.airlock.database.pool.query<{ token_hash: string }>(
      "SELECT token_hash FROM airlock.invitations WHERE user_id = $1",
      [userId],
    );
    assert.equal(stored.rows[0]!.token_hash, sha256(token));
    const anywhere = await t.airlock.database.pool.query(
      "SELECT 1 FROM airlock.notifications WHERE body_text LIKE '%' || $1 || '%'",
      [token],
    );
    assert.equal(anywhere.rowCount, 0);
    assert.ok(!t.logText().includes(token), "the logs hold the link");

    // No password exists to guess: the admin cannot sign in as the new person.
    const asPuppet = await new Browser(t).login("pat@gov.test", "chosen by the admin");
    assert.equal(asPuppet.status, 401);
  });

  test("the person opens the link, sets their own password once, and is signed in", async () => {
    const lookup = await call(null, "POST", "/api/v1/invitations/lookup", { token });
    assert.equal(lookup.status, 200, lookup.text);
    assert.equal(lookup.body.email, "pat@gov.test");
    const short = await call(null, "POST", "/api/v1/invitations/accept", { token, password: "short" });
    assert.equal(short.status, 422);
    assert.equal(short.body.error.code, "validation.failed");

    const browser = new Browser(t);
    const accepted = await browser.request("/api/v1/invitations/accept", {
      method: "POST",
      body: JSON.stringify({ token, password: "pat's own long password" }),
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    browser.csrfToken = (await accepted.json()).csrfToken;
    const me = await call(browser, "GET", "/api/v1/me");
    assert.equal(me.body.user.email, "pat@gov.test");

    const again = await call(null, "POST", "/api/v1/invitations/accept", {
      token,
      password: "another long password",
    });
    assert.deepEqual([again.status, again.body.error.code], [410, "invitation.used"]);
    assert.equal((await new Browser(t).login("pat@gov.test", "pat's own long password")).status, 200);
    assert.equal((await new Browser(t).login("pat@gov.test", "another long password")).status, 401);

    const events = await auditEvents(
      t.airlock.database.pool,
      ["invitation.created", "invitation.sent", "invitation.accepted"],
      { targetId: userId },
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ["invitation.created", "invitation.sent", "invitation.accepted"],
    );
    assert.equal(events[0]!.actor_id, ada.id);
    assert.equal(events[2]!.actor_id, userId);

    // The real manager approves credits like any other.
    const held = await call(sam, "POST", "/api/v1/actions/issue_credit/runs", {
      params: { accountId: "acc_1", amountCents: 20_400 },
    });
    assert.equal(held.status, 202);
    const approved = await call(
      browser,
      "POST",
      `/api/v1/approvals/${held.body.approvalRequestId}/approve`,
      {},
    );
    assert.equal(approved.status, 200, approved.text);
  });
});

describe("invitation links expire, work once, and only the newest works", () => {
  test("expired, replaced and unknown links are refused, each with its code", async () => {
    const created = await call(ada, "POST", "/api/v1/admin/users", {
      email: "rae@gov.test",
      name: "Rae Reader",
      groups: ["readers"],
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.invitation.status, "pending");
    await t.airlock.approvals.events.drain();
    const first = await linkSentTo("rae@gov.test");
    await t.airlock.database.pool.query(
      "UPDATE airlock.invitations SET expires_at = now() - interval '1 minute' WHERE user_id = $1",
      [created.body.id],
    );
    const expired = await call(null, "POST", "/api/v1/invitations/lookup", { token: first });
    assert.deepEqual([expired.status, expired.body.error.code], [410, "invitation.expired"]);
    assert.equal(
      (await call(ada, "GET", `/api/v1/admin/users/${created.body.id}`)).body.invitation.status,
      "expired",
    );

    const resent = await call(ada, "POST", `/api/v1/admin/users/${created.body.id}/invitation`);
    assert.equal(resent.status, 201, resent.text);
    await t.airlock.approvals.events.drain();
    const second = await linkSentTo("rae@gov.test", 1);
    assert.notEqual(second, first);
    const old = await call(null, "POST", "/api/v1/invitations/accept", {
      token: first,
      password: "a long password here",
    });
    assert.deepEqual([old.status, old.body.error.code], [404, "invitation.not_found"]);
    const unknown = await call(null, "POST", "/api/v1/invitations/lookup", {
      token: `inv_${"A".repeat(43)}`,
    });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, "invitation.not_found"]);
    const garbage = await call(null, "POST", "/api/v1/invitations/lookup", { token: "x" });
    assert.deepEqual([garbage.status, garbage.body.error.code], [404, "invitation.not_found"]);
    const ok = await call(null, "POST", "/api/v1/invitations/accept", {
      token: second,
      password: "a long password here",
    });
    assert.equal(ok.status, 200, ok.text);
    const needless = await call(ada, "POST", `/api/v1/admin/users/${created.body.id}/invitation`);
    assert.deepEqual([needless.status, needless.body.error.code], [409, "invitation.not_needed"]);
  });

  test("an SSO-only user gets no invitation and no password", async () => {
    const created = await call(ada, "POST", "/api/v1/admin/users", {
      email: "sso@gov.test",
      name: "Sso Person",
      signIn: "sso",
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.body.hasPassword, created.body.invitation], [false, null]);
  });
});

describe("a password someone else chose: changed at first sign-in, no approving before", () => {
  test("sign-in is refused until the person picks their own; approvals are refused in the meantime", async () => {
    const pool = t.airlock.database.pool;
    const given = await createPasswordUser(pool, {
      email: "first.admin@gov.test",
      password: "typed at the terminal",
      groups: ["admins", "support-managers"],
    });
    await pool.query("UPDATE airlock.users SET password_change_required = true WHERE id = $1", [given.id]);

    const login = await new Browser(t).login(given.email, given.password);
    assert.equal(login.status, 403);
    assert.equal((await login.json()).error.code, "auth.password_change_required");
    assert.equal(login.headers.getSetCookie().length, 0, "no session");

    // Any other way in (a token an admin made, Slack, SSO) still cannot approve: checked in the decision.
    const { createApiToken } = await import("../../src/identity/api-tokens.ts");
    const { token } = await createApiToken(pool, { userId: given.id, name: "t", createdBy: given.id });
    const asGiven = {
      id: given.id,
      email: given.email,
      token,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    };
    const held = await call(sam, "POST", "/api/v1/actions/issue_credit/runs", {
      params: { accountId: "acc_2", amountCents: 30_000 },
    });
    const refused = await call(
      asGiven,
      "POST",
      `/api/v1/approvals/${held.body.approvalRequestId}/approve`,
      {},
    );
    assert.deepEqual([refused.status, refused.body.error.code], [403, "approval.password_change_required"]);
    const change = await call(ada, "POST", "/api/v1/policies/large-credit/mode", {
      mode: "monitor",
      reason: "test",
    });
    assert.equal(change.status, 202, change.text);
    const onChange = await call(
      asGiven,
      "POST",
      `/api/v1/changes/${change.body.changeRequest.id}/approve`,
      {},
    );
    assert.deepEqual([onChange.status, onChange.body.error.code], [403, "approval.password_change_required"]);
    await call(ada, "POST", `/api/v1/changes/${change.body.changeRequest.id}/cancel`, {});

    const same = await call(null, "POST", "/api/v1/session/password", {
      email: given.email,
      currentPassword: given.password,
      newPassword: given.password,
    });
    assert.equal(same.status, 422);
    const wrong = await call(null, "POST", "/api/v1/session/password", {
      email: given.email,
      currentPassword: "not the password",
      newPassword: "my very own password",
    });
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, "auth.invalid_credentials"]);
    const changed = await call(null, "POST", "/api/v1/session/password", {
      email: given.email,
      currentPassword: given.password,
      newPassword: "my very own password",
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal((await new Browser(t).login(given.email, "my very own password")).status, 200);
    assert.equal((await new Browser(t).login(given.email, given.password)).status, 401);
    const approved = await call(
      asGiven,
      "POST",
      `/api/v1/approvals/${held.body.approvalRequestId}/approve`,
      {},
    );
    assert.equal(approved.status, 200, approved.text);
    const events = await auditEvents(pool, ["user.password_changed"], { targetId: given.id });
    assert.equal(events.length, 1);
  });
});
