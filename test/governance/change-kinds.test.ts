// The change kinds beyond membership, grants and policy modes: an API token for a service
// identity (held when the service holds sensitive access; collected once by its requester after a
// second admin approves, never shown to the approver), removing a member, the CLI deciding a
// change request with `airlock approve|reject chg_…`, and a change request that expires unanswered.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createApiToken } from "../../src/identity/api-tokens.ts";
import { listen } from "../../src/server/serve.ts";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, type TestUser } from "../support/users.ts";
import { runAirlockBatch } from "./cli-batch.ts";
import { governanceWorkspace } from "./governance-workspace.ts";

let t: TestAirlock;
let ada: TestUser; // admin (requester), also signs in to the web
let bob: TestUser; // second admin
let sam: TestUser;
let adaWeb: Browser;
let bobWeb: Browser;

before(async () => {
  t = await startTestAirlock({ workspace: governanceWorkspace });
  const pool = t.airlock.database.pool;
  const adaPw = await createPasswordUser(pool, {
    groups: ["admins"],
    name: "Ada Admin",
    email: "ada@kinds.test",
  });
  const bobPw = await createPasswordUser(pool, {
    groups: ["admins"],
    name: "Bob Admin",
    email: "bob@kinds.test",
  });
  ada = await tokenFor(adaPw.id, adaPw.email);
  bob = await tokenFor(bobPw.id, bobPw.email);
  sam = await createUser(pool, { groups: ["support"], name: "Sam Support" });
  adaWeb = new Browser(t);
  assert.equal((await adaWeb.login(adaPw.email, adaPw.password)).status, 200);
  bobWeb = new Browser(t);
  assert.equal((await bobWeb.login(bobPw.email, bobPw.password)).status, 200);
});
after(async () => {
  await t.close();
});

async function tokenFor(id: string, email: string): Promise<TestUser> {
  const { token } = await createApiToken(t.airlock.database.pool, {
    userId: id,
    name: "test",
    createdBy: id,
  });
  return {
    id,
    email,
    token,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  };
}

const call = async (user: TestUser, method: string, path: string, body?: unknown) => {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const web = async (browser: Browser, method: string, path: string, body?: unknown) => {
  const res = await browser.request(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const serviceId = async (name: string) =>
  (
    await t.airlock.database.pool.query<{ id: string }>(
      "SELECT id FROM airlock.users WHERE kind = 'service' AND name = $1",
      [name],
    )
  ).rows[0]!.id;
const groupId = async (name: string) =>
  (
    await t.airlock.database.pool.query<{ id: string }>("SELECT id FROM airlock.groups WHERE name = $1", [
      name,
    ])
  ).rows[0]!.id;
const tokensOf = async (userId: string) =>
  (
    await t.airlock.database.pool.query<{ id: string }>(
      "SELECT id FROM airlock.api_tokens WHERE user_id = $1",
      [userId],
    )
  ).rows.length;

describe("an API token for another identity", () => {
  let changeId: string;

  test("for a service that may issue credits, it is held: no token exists, none is shown", async () => {
    const bot = await serviceId("credit-bot");
    const held = await web(adaWeb, "POST", `/api/v1/admin/services/${bot}/tokens`, {
      name: "billing sync",
      reason: "the billing system's nightly credits",
    });
    assert.equal(held.status, 202, JSON.stringify(held.body));
    assert.equal(held.body.changeRequest.kind, "token.create");
    assert.match(held.body.changeRequest.whyFourEyes, /credit-bot.*run on a high or critical action/);
    assert.doesNotMatch(JSON.stringify(held.body), /alk_/);
    assert.equal(await tokensOf(bot), 0);
    changeId = held.body.changeRequest.id;
  });

  test("the requester can neither approve it nor collect a token before it is approved", async () => {
    const own = await call(ada, "POST", `/api/v1/changes/${changeId}/approve`, {});
    assert.deepEqual([own.status, own.body.error.code], [403, "approval.self_approval"]);
    const early = await web(adaWeb, "POST", `/api/v1/changes/${changeId}/token`);
    assert.deepEqual([early.status, early.body.error.code], [409, "change.not_applied"]);
  });

  test("approved by the second admin, the approver sees no token; the requester collects it once, signed in", async () => {
    const approved = await call(bob, "POST", `/api/v1/changes/${changeId}/approve`, { reason: "expected" });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, "applied");
    assert.equal(approved.body.result.tokenToCollect, true);
    assert.doesNotMatch(JSON.stringify(approved.body), /alk_/);
    const bot = await serviceId("credit-bot");
    assert.equal(await tokensOf(bot), 0, "nothing is minted in the approving transaction");

    const byApprover = await web(bobWeb, "POST", `/api/v1/changes/${changeId}/token`);
    assert.deepEqual([byApprover.status, byApprover.body.error.code], [404, "change.not_found"]);
    const byToken = await call(ada, "POST", `/api/v1/changes/${changeId}/token`);
    assert.deepEqual([byToken.status, byToken.body.error.code], [403, "token.session_required"]);

    const collected = await web(adaWeb, "POST", `/api/v1/changes/${changeId}/token`);
    assert.equal(collected.status, 201, JSON.stringify(collected.body));
    assert.match(collected.body.token, /^alk_/);
    assert.equal(collected.body.userId, bot);
    const again = await web(adaWeb, "POST", `/api/v1/changes/${changeId}/token`);
    assert.deepEqual([again.status, again.body.error.code], [410, "change.token_collected"]);
    assert.equal(await tokensOf(bot), 1);

    // The token works as the service, and its creation names the change request it came from.
    const asBot = await t.request("/api/v1/me", {
      headers: { authorization: `Bearer ${collected.body.token}` },
    });
    assert.equal(asBot.status, 200);
    const created = await auditEvents(t.airlock.database.pool, ["token.created"], {
      targetId: collected.body.id,
    });
    assert.equal((created[0]!.data as { changeRequestId: string }).changeRequestId, changeId);
    const stored = await t.airlock.database.pool.query(
      "SELECT result::text FROM airlock.change_requests WHERE id = $1",
      [changeId],
    );
    assert.doesNotMatch(stored.rows[0].result, /alk_/);
  });

  test("for a service holding nothing sensitive, the token is created at once", async () => {
    const res = await web(adaWeb, "POST", `/api/v1/admin/services/${await serviceId("report-bot")}/tokens`, {
      name: "reports",
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.token, /^alk_/);
  });

  test("an unknown service identity is refused before anything is stored", async () => {
    const res = await web(adaWeb, "POST", "/api/v1/admin/services/svc_nope/tokens", { name: "x" });
    assert.deepEqual([res.status, res.body.error.code], [404, "admin.not_found"]);
    const human = await web(adaWeb, "POST", `/api/v1/admin/services/${sam.id}/tokens`, { name: "x" });
    assert.deepEqual([human.status, human.body.error.code], [404, "admin.not_found"]);
  });
});

describe("the CLI decides change requests: airlock approve|reject chg_…", () => {
  test("reject and approve record the decision and print the change request", async () => {
    const server = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const env = (user: TestUser) => ({ AIRLOCK_URL: server.url, AIRLOCK_TOKEN: user.token });
      const first = await call(ada, "POST", "/api/v1/admin/grants", {
        to: { group: "readers" },
        verbs: ["run"],
        on: { tag: "billing" },
      });
      assert.equal(first.status, 202, JSON.stringify(first.body));

      const join = await call(
        ada,
        "POST",
        `/api/v1/admin/groups/${await groupId("support-managers")}/members`,
        {
          userId: sam.id,
        },
      );
      const id = join.body.changeRequest.id;
      // Both decisions in one CLI process (cli-batch.ts): the reject, then the approve.
      const [rejected, approved] = await runAirlockBatch([
        { args: ["reject", first.body.changeRequest.id, "--reason", "readers only read"], env: env(bob) },
        { args: ["approve", id, "--reason", "Sam covers approvals"], env: env(bob) },
      ]);
      assert.equal(rejected!.code, 0, rejected!.out + rejected!.err);
      assert.match(
        rejected!.out,
        new RegExp(`^rejected  ${first.body.changeRequest.id}  Grant run on tag billing`),
      );
      assert.equal(approved!.code, 0, approved!.out + approved!.err);
      assert.match(approved!.out, new RegExp(`^applied  ${id}  Add .* to the group "support-managers"`));
      assert.match(approved!.out, /approve by Bob Admin: Sam covers approvals/);
    } finally {
      await server.close();
    }
  });
});

describe("removing a member", () => {
  test("applies directly by default (taking access away needs no second admin), audited", async () => {
    const support = await groupId("support");
    const removed = await call(ada, "DELETE", `/api/v1/admin/groups/${support}/members/${sam.id}`);
    assert.equal(removed.status, 204);
    const events = await auditEvents(t.airlock.database.pool, ["group.member_removed"], { targetId: sam.id });
    assert.equal(events.length, 1);
    const again = await call(ada, "DELETE", `/api/v1/admin/groups/${support}/members/${sam.id}`);
    assert.deepEqual([again.status, again.body.error.code], [404, "admin.not_found"]);
  });
});

describe("a change request expires unanswered", () => {
  test("past its expiry it is expired by the sweeper, cannot be approved, and nothing is applied", async () => {
    const support = await groupId("support");
    const pool = t.airlock.database.pool;
    const join = await call(ada, "POST", `/api/v1/admin/groups/${support}/members`, { userId: ada.id });
    assert.equal(join.status, 202);
    const change = join.body.changeRequest;
    // 72 hours by default (governance.changeRequestExpiryHours): move the clock instead of waiting.
    assert.ok(Date.parse(change.expiresAt) - Date.parse(change.createdAt) >= 71 * 3_600_000);
    await pool.query(
      "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 minute' WHERE id = $1",
      [change.approvalRequestId],
    );
    assert.equal(await t.airlock.approvals.sweeper.sweep(), 1);
    const view = await call(bob, "GET", `/api/v1/changes/${change.id}`);
    assert.equal(view.body.status, "expired");
    const late = await call(bob, "POST", `/api/v1/changes/${change.id}/approve`, {});
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.match(late.body.error.code, /approval\.(expired|not_pending)/);
    const member = await pool.query(
      "SELECT 1 FROM airlock.group_members WHERE group_id = $1 AND user_id = $2",
      [support, ada.id],
    );
    assert.equal(member.rowCount, 0);
    const expired = await pool.query(
      "SELECT 1 FROM airlock.audit_events WHERE type = 'approval.expired' AND approval_request_id = $1",
      [change.approvalRequestId],
    );
    assert.equal(expired.rowCount, 1);
  });

  test("approving one whose expiry has passed before the sweeper ran is refused and expires it", async () => {
    const pool = t.airlock.database.pool;
    const mode = await call(ada, "POST", "/api/v1/policies/large-credit/mode", {
      mode: "monitor",
      reason: "trial",
    });
    assert.equal(mode.status, 202);
    const change = mode.body.changeRequest;
    await pool.query(
      "UPDATE airlock.approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1",
      [change.approvalRequestId],
    );
    const late = await call(bob, "POST", `/api/v1/changes/${change.id}/approve`, {});
    assert.equal(late.body.error.code, "approval.expired", JSON.stringify(late.body));
    assert.equal((await call(bob, "GET", `/api/v1/changes/${change.id}`)).body.status, "expired");
    const policies = await call(ada, "GET", "/api/v1/policies");
    assert.equal(
      policies.body.policies.find((p: { name: string }) => p.name === "large-credit").mode,
      "enforce",
    );
  });
});
