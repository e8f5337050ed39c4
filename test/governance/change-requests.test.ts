// Four-eyes on access and policy changes: the two admin paths now need a second admin,
// nobody approves their own access, a self-added reviewer waits out a cooldown, and bad input is
// refused before anything is stored. Real app, real PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { auditEvents } from "../support/audit-events.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { governanceWorkspace } from "./governance-workspace.ts";

let t: TestAirlock;
let ada: TestUser; // admin
let bob: TestUser; // second admin
let sam: TestUser; // support agent
let mark: TestUser; // support manager

before(async () => {
  t = await startTestAirlock({ workspace: governanceWorkspace });
  const pool = t.airlock.database.pool;
  ada = await createUser(pool, { groups: ["admins"], name: "Ada Admin", email: "ada@gov.test" });
  sam = await createUser(pool, { groups: ["support"], name: "Sam Support" });
  mark = await createUser(pool, { groups: ["support-managers"], name: "Mark Manager" });
});
after(async () => {
  await t.close();
});

const call = async (user: TestUser, method: string, path: string, body?: unknown) => {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
};
const groupId = async (name: string) =>
  (
    await t.airlock.database.pool.query<{ id: string }>("SELECT id FROM airlock.groups WHERE name = $1", [
      name,
    ])
  ).rows[0]!.id;
const groupsOf = async (userId: string) =>
  (
    await t.airlock.database.pool.query<{ name: string }>(
      "SELECT g.name FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY 1",
      [userId],
    )
  ).rows.map((r) => r.name);
const credit = (user: TestUser, amountCents: number) =>
  call(user, "POST", "/api/v1/actions/issue_credit/runs", { params: { accountId: "acc_1", amountCents } });

describe("bootstrapping: while one admin exists, changes apply directly and the API says so", () => {
  test("the only admin adds a second admin directly (marked bootstrap); four-eyes is then on", async () => {
    const status = await call(ada, "GET", "/api/v1/changes/status");
    assert.deepEqual([status.body.admins, status.body.fourEyes], [1, "bootstrap"]);
    bob = await createUser(t.airlock.database.pool, { name: "Bob Admin", email: "bob@gov.test" });
    const added = await call(ada, "POST", `/api/v1/admin/groups/${await groupId("admins")}/members`, {
      userId: bob.id,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.headers.get("x-airlock-four-eyes"), "bootstrap");
    const events = await auditEvents(t.airlock.database.pool, ["change.applied"], { actorId: ada.id });
    assert.equal((events[0]!.data as { via: string }).via, "bootstrap");
    const now = await call(ada, "GET", "/api/v1/changes/status");
    assert.deepEqual([now.body.admins, now.body.fourEyes], [2, "on"]);
  });
});

describe("path 1: an admin adds themselves to support, switches the policy to monitor, issues $4,000", () => {
  let membership: string;
  let modeSwitch: string;

  test("both changes are held as change requests; nothing changed, the credit is refused", async () => {
    const join = await call(ada, "POST", `/api/v1/admin/groups/${await groupId("support")}/members`, {
      userId: ada.id,
      reason: "covering the desk",
    });
    assert.equal(join.status, 202, JSON.stringify(join.body));
    assert.equal(join.body.changeRequest.kind, "group.add_member");
    assert.equal(join.body.changeRequest.status, "pending");
    assert.match(join.body.changeRequest.whyFourEyes, /run on a high or critical action/);
    membership = join.body.changeRequest.id;

    const mode = await call(ada, "POST", "/api/v1/policies/large-credit/mode", {
      mode: "monitor",
      reason: "too many approvals this week",
    });
    assert.equal(mode.status, 202, JSON.stringify(mode.body));
    modeSwitch = mode.body.changeRequest.id;

    assert.deepEqual(await groupsOf(ada.id), ["admins"]);
    const policies = await call(ada, "GET", "/api/v1/policies");
    assert.equal(
      policies.body.policies.find((p: { name: string }) => p.name === "large-credit").mode,
      "enforce",
    );
    const attempt = await credit(ada, 400_000);
    assert.equal(attempt.status, 403);
    assert.equal(attempt.body.error.code, "permission.denied");
  });

  test("the requester cannot approve their own change requests, in any channel", async () => {
    for (const id of [membership, modeSwitch]) {
      for (const channel of ["web", "cli", "api"]) {
        const res = await t.request(`/api/v1/changes/${id}/approve`, {
          method: "POST",
          headers: { ...ada.headers, "x-airlock-client": channel },
          body: "{}",
        });
        assert.equal(res.status, 403);
        assert.equal((await res.json()).error.code, "approval.self_approval");
      }
    }
    const view = await call(ada, "GET", `/api/v1/changes/${membership}`);
    assert.deepEqual([view.body.canDecide, view.body.whyNot], [false, "approval.self_approval"]);
    const refused = await auditEvents(t.airlock.database.pool, ["approval.refused"], { actorId: ada.id });
    assert.ok(refused.length >= 6);
  });

  test("a non-admin neither sees nor decides change requests", async () => {
    assert.deepEqual((await call(sam, "GET", "/api/v1/changes?status=pending")).body.changes, []);
    const res = await call(sam, "POST", `/api/v1/changes/${membership}/approve`, {});
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, "change.not_found");
  });

  test("the second admin sees them pending in the inbox and approves: then, and only then, they apply", async () => {
    const pending = await call(bob, "GET", "/api/v1/changes?status=pending");
    const ids = pending.body.changes.map((c: { id: string }) => c.id);
    assert.ok(ids.includes(membership) && ids.includes(modeSwitch));
    assert.ok(pending.body.changes.every((c: { canDecide: boolean }) => c.canDecide));

    const approved = await call(bob, "POST", `/api/v1/changes/${membership}/approve`, { reason: "agreed" });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, "applied");
    assert.deepEqual(await groupsOf(ada.id), ["admins", "support"]);
    const again = await call(bob, "POST", `/api/v1/changes/${membership}/approve`, {});
    assert.equal(again.body.error.code, "approval.already_decided");

    const mode = await call(bob, "POST", `/api/v1/changes/${modeSwitch}/approve`, {});
    assert.equal(mode.body.status, "applied");
    assert.equal(mode.body.result.mode, "monitor");
    const events = await auditEvents(t.airlock.database.pool, ["group.member_added", "change.applied"], {
      targetId: ada.id,
    });
    assert.equal(events[0]!.actor_id, ada.id, "the membership is recorded as the requester's change");
    const applied = await auditEvents(t.airlock.database.pool, ["change.applied"], { actorId: bob.id });
    assert.equal(applied.length, 2);
  });
});

describe("path 2: an admin grants their own group `run`, creates a puppet approver", () => {
  test("the grant to the admins' own group needs a second admin, and no admin in that group may approve it", async () => {
    const grant = await call(ada, "POST", "/api/v1/admin/grants", {
      to: { group: "admins" },
      verbs: ["run"],
      on: { action: "issue_credit" },
    });
    assert.equal(grant.status, 202, JSON.stringify(grant.body));
    const id = grant.body.changeRequest.id;
    const byBob = await call(bob, "POST", `/api/v1/changes/${id}/approve`, {});
    assert.equal(byBob.status, 403);
    assert.equal(byBob.body.error.code, "approval.own_access");
    const grants = await call(ada, "GET", "/api/v1/admin/grants");
    assert.equal(grants.body.stored.length, 0);
    await call(ada, "POST", `/api/v1/changes/${id}/cancel`, {});
  });

  test("a user created into a reviewer group is a change request; a password the admin chose is refused", async () => {
    // No puppets: the admin may not choose the password at all (test/governance/invitations.test.ts
    // follows the invitation to the end).
    const chosen = await call(ada, "POST", "/api/v1/admin/users", {
      email: "puppet@gov.test",
      name: "Pat Puppet",
      groups: ["support-managers"],
      password: "chosen by the admin",
    });
    assert.equal(chosen.status, 422, JSON.stringify(chosen.body));
    assert.equal(chosen.body.error.code, "admin.password_not_allowed");
    const puppet = await call(ada, "POST", "/api/v1/admin/users", {
      email: "puppet@gov.test",
      name: "Pat Puppet",
      groups: ["support-managers"],
    });
    assert.equal(puppet.status, 202, JSON.stringify(puppet.body));
    assert.equal(puppet.body.changeRequest.payload.signIn, "invitation");
    assert.doesNotMatch(JSON.stringify(puppet.body), /passwordHash|argon2|chosen by the admin/);
    assert.match(puppet.body.changeRequest.summary, /invitation link to set their own password/);

    const exists = await t.airlock.database.pool.query(
      "SELECT 1 FROM airlock.users WHERE email = 'puppet@gov.test'",
    );
    assert.equal(exists.rowCount, 0);
    const rejected = await call(bob, "POST", `/api/v1/changes/${puppet.body.changeRequest.id}/reject`, {
      reason: "no accounts with admin-chosen passwords",
    });
    assert.equal(rejected.body.status, "rejected");
  });

  test("a user created into a group that gives nothing sensitive is created at once", async () => {
    const reader = await call(ada, "POST", "/api/v1/admin/users", {
      email: "reader@gov.test",
      name: "Rae Reader",
      groups: ["readers"],
    });
    assert.equal(reader.status, 201, JSON.stringify(reader.body));
    assert.equal(reader.headers.get("x-airlock-four-eyes"), null);
  });
});

describe("nobody approves their own access", () => {
  test("the admin added to support-managers by their own request cannot approve credits for 24 h", async () => {
    // Path 1 left the policy in monitor: back to enforce, through a second admin like any switch.
    const enforce = await call(ada, "POST", "/api/v1/policies/large-credit/mode", {
      mode: "enforce",
      reason: "back to normal",
    });
    assert.equal(enforce.status, 202);
    await call(bob, "POST", `/api/v1/changes/${enforce.body.changeRequest.id}/approve`, {});
    const join = await call(
      ada,
      "POST",
      `/api/v1/admin/groups/${await groupId("support-managers")}/members`,
      {
        userId: ada.id,
      },
    );
    assert.equal(join.status, 202);
    const approved = await call(bob, "POST", `/api/v1/changes/${join.body.changeRequest.id}/approve`, {});
    assert.equal(approved.body.status, "applied");
    assert.ok((await groupsOf(ada.id)).includes("support-managers"));

    const held = await credit(sam, 50_000);
    assert.equal(held.status, 202, JSON.stringify(held.body));
    const byAda = await call(ada, "POST", `/api/v1/approvals/${held.body.approvalRequestId}/approve`, {});
    assert.equal(byAda.status, 403);
    assert.equal(byAda.body.error.code, "approval.reviewer_cooldown");
    assert.match(byAda.body.error.message, /support-managers/);
    const byMark = await call(mark, "POST", `/api/v1/approvals/${held.body.approvalRequestId}/approve`, {});
    assert.equal(byMark.status, 200, JSON.stringify(byMark.body));
  });
});

describe("bad input is refused with its code before anything is stored", () => {
  test("unknown group, user, action or policy", async () => {
    const badGroup = await call(ada, "POST", "/api/v1/admin/groups/grp_nope/members", { userId: sam.id });
    assert.deepEqual([badGroup.status, badGroup.body.error.code], [404, "admin.not_found"]);
    const badUser = await call(ada, "POST", `/api/v1/admin/groups/${await groupId("support")}/members`, {
      userId: "usr_nope",
    });
    assert.deepEqual([badUser.status, badUser.body.error.code], [404, "admin.not_found"]);
    const badAction = await call(ada, "POST", "/api/v1/admin/grants", {
      to: { group: "support" },
      verbs: ["approve"],
      on: { action: "no_such_action" },
    });
    assert.deepEqual([badAction.status, badAction.body.error.code], [422, "admin.invalid"]);
    const badPolicy = await call(ada, "POST", "/api/v1/policies/no-such-policy/mode", {
      mode: "monitor",
      reason: "testing",
    });
    assert.deepEqual([badPolicy.status, badPolicy.body.error.code], [404, "policy.not_found"]);
    const count = await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.change_requests WHERE summary LIKE '%no_such%' OR summary LIKE '%usr_nope%'",
    );
    assert.equal(count.rows[0].n, 0);
  });

  test("two conflicting pending change requests on one grant: the second is refused", async () => {
    const first = await call(ada, "POST", "/api/v1/admin/grants", {
      to: { group: "support" },
      verbs: ["approve"],
      on: { tag: "billing" },
    });
    assert.equal(first.status, 202);
    const second = await call(bob, "POST", "/api/v1/admin/grants", {
      to: { group: "support" },
      verbs: ["approve", "run"],
      on: { tag: "billing" },
    });
    assert.deepEqual([second.status, second.body.error.code], [409, "change.conflict"]);
    await call(ada, "POST", `/api/v1/changes/${first.body.changeRequest.id}/cancel`, {});
    const retried = await call(bob, "POST", "/api/v1/admin/grants", {
      to: { group: "support" },
      verbs: ["approve"],
      on: { tag: "billing" },
    });
    assert.equal(retried.status, 202, "once the first is cancelled, a new request may be made");
  });
});
