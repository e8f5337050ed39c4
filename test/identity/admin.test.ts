import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let t: TestAirlock;
let admin: TestUser;
let support: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
  support = await createUser(t.airlock.database.pool, { groups: ["support"] });
});
after(async () => {
  await t.close();
});

const pool = () => t.airlock.database.pool;
const get = async (path: string, user: TestUser = admin) => {
  const res = await t.request(path, { headers: user.headers });
  return { status: res.status, body: await res.json() };
};
const send = async (method: string, path: string, body: unknown, user: TestUser = admin) => {
  const res = await t.request(path, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

describe("admin routes are for `admin` on `*` only", () => {
  test("a non-admin gets 403 permission.denied everywhere, audited", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/admin/users"],
      ["POST", "/api/v1/admin/users"],
      ["GET", "/api/v1/admin/groups"],
      ["POST", "/api/v1/admin/groups"],
      ["GET", "/api/v1/admin/grants"],
      ["POST", "/api/v1/admin/grants"],
      ["GET", "/api/v1/admin/services"],
      ["GET", "/api/v1/admin/tokens"],
    ] as const) {
      const res = await send(method, path, method === "POST" ? {} : undefined, support);
      // A body that does not validate is refused before the check only if it is malformed JSON;
      // an empty object is parsed, then the admin check refuses.
      assert.ok([403, 422].includes(res.status), `${method} ${path}: ${res.status}`);
      if (method === "GET") assert.equal(res.body.error.code, "permission.denied");
    }
    const denied = await auditEvents(pool(), ["permission.denied"], { actorId: support.id });
    assert.ok(denied.length >= 5);
    assert.equal((denied[0]!.data as { verb: string }).verb, "admin");
  });

  test("a tag-level admin is not a workspace admin", async () => {
    const grant = await send("POST", "/api/v1/admin/grants", {
      to: { group: "support" },
      verbs: ["admin"],
      on: { tag: "billing" },
    });
    assert.equal(grant.status, 201);
    assert.equal((await get("/api/v1/admin/users", support)).status, 403);
    await send("DELETE", `/api/v1/admin/grants/${grant.body.id}`, undefined);
  });
});

describe("users", () => {
  test("create: an admin-chosen password is refused; the user is invited, audited, listed with groups", async () => {
    // Admins never choose another person's password (test/governance/invitations.test.ts: the link).
    const chosen = await send("POST", "/api/v1/admin/users", {
      email: "new.person@test.airlock",
      name: "New Person",
      groups: ["support"],
      password: "a long initial password",
    });
    assert.equal(chosen.status, 422, JSON.stringify(chosen.body));
    assert.equal(chosen.body.error.code, "admin.password_not_allowed");
    const created = await send("POST", "/api/v1/admin/users", {
      email: "new.person@test.airlock",
      name: "New Person",
      groups: ["support"],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.groups, ["support"]);
    assert.equal(created.body.hasPassword, false);
    assert.equal(created.body.invitation.status, "pending");
    assert.equal(JSON.stringify(created.body).includes("a long initial password"), false);
    const browser = new Browser(t);
    assert.equal((await browser.login("new.person@test.airlock", "a long initial password")).status, 401);

    const events = await auditEvents(pool(), ["user.created", "group.member_added"], {
      targetId: created.body.id,
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ["user.created", "group.member_added"],
    );
    assert.equal(events[0]!.actor_id, admin.id);
    assert.doesNotMatch(JSON.stringify(events), /a long initial password/);

    const list = await get("/api/v1/admin/users?email=NEW.PERSON@test.airlock");
    assert.equal(list.body.users.length, 1);
    const one = await get(`/api/v1/admin/users/${created.body.id}`);
    assert.deepEqual(one.body.roles, ["support"]);
  });

  test("create SSO-only (no password): password sign-in is refused like any bad credential", async () => {
    const created = await send("POST", "/api/v1/admin/users", {
      email: "sso.person@test.airlock",
      name: "SSO",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.hasPassword, false);
    const res = await new Browser(t).login("sso.person@test.airlock", "anything at all");
    assert.equal((await res.json()).error.code, "auth.invalid_credentials");
  });

  test("bad input: duplicate email 409, unknown group 422, short password 422, bad email 422", async () => {
    const dup = await send("POST", "/api/v1/admin/users", {
      email: "New.Person@test.airlock",
      name: "Again",
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, "admin.conflict");
    const group = await send("POST", "/api/v1/admin/users", {
      email: "g@test.airlock",
      name: "G",
      groups: ["nope"],
    });
    assert.equal(group.status, 422);
    assert.equal(group.body.error.code, "admin.invalid");
    assert.equal(
      (await get("/api/v1/admin/users?email=g@test.airlock")).body.users.length,
      0,
      "nothing half-written",
    );
    const short = await send("POST", "/api/v1/admin/users", {
      email: "s@test.airlock",
      name: "S",
      password: "short",
    });
    assert.equal(short.status, 422);
    const email = await send("POST", "/api/v1/admin/users", { email: "not-an-email", name: "E" });
    assert.equal(email.status, 422);
  });

  test("disable and enable; an admin cannot disable themselves", async () => {
    const user = await createUser(pool(), { groups: ["support"] });
    const disabled = await send("POST", `/api/v1/admin/users/${user.id}/disable`, undefined);
    assert.equal(disabled.body.status, "disabled");
    assert.equal((await get("/api/v1/me", user)).status, 401);
    const enabled = await send("POST", `/api/v1/admin/users/${user.id}/enable`, undefined);
    assert.equal(enabled.body.status, "active");
    assert.equal((await get("/api/v1/me", user)).status, 401, "revoked tokens stay revoked");
    const types = (await auditEvents(pool(), ["user.disabled", "user.enabled"], { targetId: user.id })).map(
      (e) => e.type,
    );
    assert.deepEqual(types, ["user.disabled", "user.enabled"]);
    const self = await send("POST", `/api/v1/admin/users/${admin.id}/disable`, undefined);
    assert.equal(self.status, 422);
    const missing = await send("POST", "/api/v1/admin/users/usr_nope/disable", undefined);
    assert.equal(missing.status, 404);
  });
});

describe("groups and memberships", () => {
  test("create a group, add and remove a member: roles follow on the next request, audited", async () => {
    const user = await createUser(pool(), { groups: [] });
    const list = await get("/api/v1/admin/groups");
    const supportGroup = list.body.groups.find((g: { name: string }) => g.name === "support");
    assert.deepEqual(supportGroup.roles, ["support"]);

    const added = await send("POST", `/api/v1/admin/groups/${supportGroup.id}/members`, { userId: user.id });
    assert.equal(added.status, 201);
    assert.deepEqual((await get("/api/v1/me", user)).body.roles, ["support"]);
    const again = await send("POST", `/api/v1/admin/groups/${supportGroup.id}/members`, { userId: user.id });
    assert.equal(again.status, 200);
    assert.equal(again.body.added, false);

    const group = await get(`/api/v1/admin/groups/${supportGroup.id}`);
    assert.ok(group.body.members.some((m: { userId: string }) => m.userId === user.id));

    const removed = await send(
      "DELETE",
      `/api/v1/admin/groups/${supportGroup.id}/members/${user.id}`,
      undefined,
    );
    assert.equal(removed.status, 204);
    assert.deepEqual((await get("/api/v1/me", user)).body.roles, []);
    const gone = await send(
      "DELETE",
      `/api/v1/admin/groups/${supportGroup.id}/members/${user.id}`,
      undefined,
    );
    assert.equal(gone.status, 404);
    const types = (
      await auditEvents(pool(), ["group.member_added", "group.member_removed"], { targetId: user.id })
    ).map((e) => e.type);
    assert.deepEqual(types, ["group.member_added", "group.member_removed"]);

    const created = await send("POST", "/api/v1/admin/groups", {
      name: "night-shift",
      description: "Weekend cover",
      ssoAliases: ["IdP Night Shift"],
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.ssoAliases, ["IdP Night Shift"]);
    assert.equal((await send("POST", "/api/v1/admin/groups", { name: "night-shift" })).status, 409);
    assert.equal((await send("POST", "/api/v1/admin/groups", { name: "Bad Name" })).status, 422);
    const patched = await send("PATCH", `/api/v1/admin/groups/${created.body.id}`, {
      ssoAliases: ["Nights"],
    });
    assert.deepEqual(patched.body.ssoAliases, ["Nights"]);
    const [update] = await auditEvents(pool(), ["group.updated"], { targetId: created.body.id });
    assert.deepEqual((update!.data as { before: { ssoAliases: string[] } }).before.ssoAliases, [
      "IdP Night Shift",
    ]);
    assert.equal((await auditEvents(pool(), ["group.created"], { targetId: created.body.id })).length, 1);
  });

  test("service identities are listed with their roles and cannot join groups", async () => {
    const services = await get("/api/v1/admin/services");
    const nightly = services.body.services.find((s: { name: string }) => s.name === "nightly-fraud-check");
    assert.deepEqual(nightly.roles, ["risk-analyst"]);
    const group = (await get("/api/v1/admin/groups")).body.groups[0];
    const res = await send("POST", `/api/v1/admin/groups/${group.id}/members`, { userId: nightly.id });
    assert.equal(res.status, 422);
  });
});

describe("grants", () => {
  test("lists code and stored grants; add and revoke are audited with before/after", async () => {
    const listed = await get("/api/v1/admin/grants");
    assert.equal(listed.body.code.length, 15);
    assert.deepEqual(listed.body.code[0], {
      id: "config:0",
      source: "config",
      subjectKind: "role",
      subject: "support",
      verbs: ["view", "run"],
      on: "tag:billing",
      createdBy: null,
      createdAt: null,
    });

    const user = await createUser(pool(), { groups: ["ops"] });
    assert.equal(
      (await send("POST", "/api/v1/actions/erase_customer/runs", { params: {} }, user)).status,
      404,
    );
    const added = await send("POST", "/api/v1/admin/grants", {
      to: { group: "ops" },
      verbs: ["view", "run"],
      on: { action: "erase_customer" },
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(
      (await send("POST", "/api/v1/actions/erase_customer/runs", { params: {} }, user)).status,
      200,
    );
    assert.ok(
      (await get("/api/v1/admin/grants")).body.stored.some((g: { id: string }) => g.id === added.body.id),
    );
    assert.equal(
      (
        await send("POST", "/api/v1/admin/grants", {
          to: { group: "ops" },
          verbs: ["run", "view"],
          on: { action: "erase_customer" },
        })
      ).status,
      409,
    );

    assert.equal((await send("DELETE", `/api/v1/admin/grants/${added.body.id}`, undefined)).status, 204);
    assert.equal(
      (await send("POST", "/api/v1/actions/erase_customer/runs", { params: {} }, user)).status,
      404,
    );
    assert.equal((await send("DELETE", `/api/v1/admin/grants/${added.body.id}`, undefined)).status, 404);

    const events = await auditEvents(pool(), ["grant.changed"], { targetId: added.body.id });
    assert.equal(events.length, 2);
    const [add, revoke] = events.map((e) => e.data as { before: unknown; after: { on: string } | null });
    assert.equal(add!.before, null);
    assert.equal(add!.after!.on, "action:erase_customer");
    assert.equal((revoke!.before as { on: string }).on, "action:erase_customer");
    assert.equal(revoke!.after, null);
  });

  test("bad grants are refused with every problem named; declared grants are not revocable here", async () => {
    const bad = await send("POST", "/api/v1/admin/grants", {
      to: { role: "wizard" },
      verbs: ["run", "teleport", "reveal:Bad"],
      on: { action: "no_such_action" },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, "admin.invalid");
    assert.equal(bad.body.error.details.problems.length, 4);
    const badTag = await send("POST", "/api/v1/admin/grants", {
      to: { group: "nope" },
      verbs: ["view"],
      on: { tag: "nope" },
    });
    assert.equal(badTag.body.error.details.problems.length, 2);
    const shape = await send("POST", "/api/v1/admin/grants", {
      to: { role: "ops" },
      verbs: ["view"],
      on: "everything",
    });
    assert.equal(shape.status, 422);
    assert.equal(shape.body.error.code, "validation.failed");
    const declared = await send("DELETE", "/api/v1/admin/grants/config:0", undefined);
    assert.equal(declared.status, 422);
  });
});
