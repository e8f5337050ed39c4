import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, type TestUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let t: TestAirlock;
let admin: TestUser;
let browser: Browser;
let owner: { id: string; email: string; password: string };
let adminBrowser: Browser;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
  owner = await createPasswordUser(t.airlock.database.pool, { groups: ["support"] });
  browser = new Browser(t);
  await browser.login(owner.email, owner.password);
  const adminUser = await createPasswordUser(t.airlock.database.pool, { groups: ["admins"] });
  adminBrowser = new Browser(t);
  await adminBrowser.login(adminUser.email, adminUser.password);
});
after(async () => {
  await t.close();
});

const pool = () => t.airlock.database.pool;
const bearer = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

async function create(name: string, expiresAt?: string | null) {
  const res = await browser.request("/api/v1/tokens", {
    method: "POST",
    body: JSON.stringify({ name, ...(expiresAt !== undefined ? { expiresAt } : {}) }),
  });
  return { res, body: await res.json() };
}

describe("API tokens", () => {
  test("created for yourself, shown once, stored only as a hash, listed without secrets, audited", async () => {
    const { res, body } = await create("laptop CLI");
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.match(body.token, /^alk_[A-Za-z0-9_-]{32}$/);
    assert.equal(body.prefix, body.token.slice(0, 10));
    assert.equal(body.userId, owner.id);
    assert.equal(body.status, "active");

    const row = (await pool().query("SELECT * FROM airlock.api_tokens WHERE id = $1", [body.id])).rows[0];
    assert.equal(row.token_hash, createHash("sha256").update(body.token).digest("hex"));
    assert.ok(!JSON.stringify(row).includes(body.token), "the token itself is not stored");

    const list = await (await browser.request("/api/v1/tokens")).json();
    const listed = list.tokens.find((x: { id: string }) => x.id === body.id);
    assert.ok(listed);
    assert.deepEqual(Object.keys(listed).sort(), [
      "createdAt",
      "createdBy",
      "expiresAt",
      "id",
      "lastUsedAt",
      "name",
      "prefix",
      "revokedAt",
      "status",
      "userId",
    ]);
    assert.ok(!JSON.stringify(list).includes(body.token) && !JSON.stringify(list).includes(row.token_hash));

    const [event] = await auditEvents(pool(), ["token.created"], { targetId: body.id });
    assert.equal((event!.data as { owner: string }).owner, owner.id);
    assert.ok(!JSON.stringify(event).includes(body.token));
    assert.doesNotMatch(t.logText(), new RegExp(body.token.slice(4)));
  });

  test("a token authenticates as its owner and records when it was last used", async () => {
    const { body } = await create("script");
    const me = await t.request("/api/v1/me", { headers: bearer(body.token) });
    const meBody = await me.json();
    assert.equal(me.status, 200);
    assert.equal(meBody.user.id, owner.id);
    assert.equal(meBody.via, "token");
    assert.equal(meBody.csrfToken, undefined, "no CSRF token for bearer requests");
    let lastUsed = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      lastUsed = (await pool().query("SELECT last_used_at FROM airlock.api_tokens WHERE id = $1", [body.id]))
        .rows[0].last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(lastUsed, "last_used_at was recorded");
  });

  test("expiry: in the past is refused at creation; an expired token stops working", async () => {
    const past = await create("old", new Date(Date.now() - 60_000).toISOString());
    assert.equal(past.res.status, 422);
    assert.equal(past.body.error.code, "validation.failed");

    const soon = await create("short-lived", new Date(Date.now() + 3_600_000).toISOString());
    assert.equal(soon.res.status, 201);
    assert.ok(soon.body.expiresAt);
    assert.equal((await t.request("/api/v1/me", { headers: bearer(soon.body.token) })).status, 200);
    await pool().query(
      "UPDATE airlock.api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
      [soon.body.id],
    );
    const expired = await t.request("/api/v1/me", { headers: bearer(soon.body.token) });
    assert.equal(expired.status, 401);
    assert.equal((await expired.json()).error.code, "auth.token_invalid");
    const list = await (await browser.request("/api/v1/tokens")).json();
    assert.equal(list.tokens.find((x: { id: string }) => x.id === soon.body.id).status, "expired");
  });

  test("revoking your own token stops it on the next request; audited", async () => {
    const { body } = await create("to revoke");
    const res = await browser.request(`/api/v1/tokens/${body.id}`, { method: "DELETE" });
    assert.equal(res.status, 204);
    const after = await t.request("/api/v1/me", { headers: bearer(body.token) });
    assert.equal(after.status, 401);
    assert.equal((await after.json()).error.code, "auth.token_invalid");
    const list = await (await browser.request("/api/v1/tokens")).json();
    assert.equal(list.tokens.find((x: { id: string }) => x.id === body.id).status, "revoked");
    const [event] = await auditEvents(pool(), ["token.revoked"], { targetId: body.id });
    assert.equal((event!.data as { byAdmin: boolean }).byAdmin, false);
    // A token can revoke itself (a leaked CLI token, revoked from the CLI).
    const self = await create("self");
    assert.equal(
      (
        await t.request(`/api/v1/tokens/${self.body.id}`, {
          method: "DELETE",
          headers: bearer(self.body.token),
        })
      ).status,
      204,
    );
    assert.equal((await t.request("/api/v1/me", { headers: bearer(self.body.token) })).status, 401);
  });

  test("someone else's token is not found; an admin may revoke anyone's", async () => {
    const { body } = await create("mine");
    const stranger = await createUser(pool(), { groups: ["support"] });
    const res = await t.request(`/api/v1/tokens/${body.id}`, { method: "DELETE", headers: stranger.headers });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "token.not_found");
    assert.equal((await t.request("/api/v1/me", { headers: bearer(body.token) })).status, 200, "still works");
    const strangerList = await (await t.request("/api/v1/tokens", { headers: stranger.headers })).json();
    assert.ok(!strangerList.tokens.some((x: { id: string }) => x.id === body.id));

    assert.equal(
      (await t.request(`/api/v1/tokens/${body.id}`, { method: "DELETE", headers: admin.headers })).status,
      204,
    );
    assert.equal((await t.request("/api/v1/me", { headers: bearer(body.token) })).status, 401);
    const [event] = await auditEvents(pool(), ["token.revoked"], { targetId: body.id });
    assert.equal((event!.data as { byAdmin: boolean }).byAdmin, true);
    assert.equal(event!.actor_id, admin.id);
  });

  test("admins create tokens for service identities; the service acts with its own role", async () => {
    const service = (
      await pool().query(
        "SELECT id FROM airlock.users WHERE kind = 'service' AND name = 'nightly-fraud-check'",
      )
    ).rows[0];
    // Not an admin: refused (in a session, so that it is the permission that refuses).
    const refused = await browser.request(`/api/v1/admin/services/${service.id}/tokens`, {
      method: "POST",
      body: JSON.stringify({ name: "x" }),
    });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error.code, "permission.denied");

    const res = await adminBrowser.request(`/api/v1/admin/services/${service.id}/tokens`, {
      method: "POST",
      body: JSON.stringify({ name: "scheduler" }),
    });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.userId, service.id);
    const me = await (await t.request("/api/v1/me", { headers: bearer(body.token) })).json();
    assert.equal(me.user.kind, "service");
    assert.deepEqual(me.roles, ["risk-analyst"]);
    assert.deepEqual(me.permissions.actions.run, ["clear_fraud_flag"]);
    // A service cannot mint more tokens for itself.
    const own = await t.post("/api/v1/tokens", { name: "more" }, bearer(body.token));
    assert.equal(own.status, 403);
    // Admins see every token; a human id is not a service.
    const all = await (await t.request("/api/v1/admin/tokens", { headers: admin.headers })).json();
    assert.ok(all.tokens.some((x: { id: string }) => x.id === body.id));
    const human = await adminBrowser.request(`/api/v1/admin/services/${owner.id}/tokens`, {
      method: "POST",
      body: JSON.stringify({ name: "x" }),
    });
    assert.equal(human.status, 404);
  });

  test("bad token headers are 401 with a clear code", async () => {
    for (const authorization of ["Bearer alk_nope", "Bearer something-else", "Basic abc", "Bearer"]) {
      const res = await t.request("/api/v1/me", { headers: { authorization } });
      assert.equal(res.status, 401, authorization);
      assert.equal((await res.json()).error.code, "auth.token_invalid");
    }
  });
});

// A token that could mint tokens would let a leaked or short-lived credential outlive itself: the
// child would keep working after the parent expired or was revoked. Minting needs a person signed
// in (session cookie and CSRF token), as on GitHub.
describe("minting a token needs an interactive session", () => {
  test("a bearer token cannot create a token for itself, nor (an admin's) for a service; nothing is stored", async () => {
    const parent = await create("parent");
    const count = async () =>
      (await pool().query("SELECT count(*)::int AS n FROM airlock.api_tokens")).rows[0].n;
    const before = await count();
    const refused = await t.post("/api/v1/tokens", { name: "child" }, bearer(parent.body.token));
    const body = await refused.json();
    assert.equal(refused.status, 403, JSON.stringify(body));
    assert.equal(body.error.code, "token.session_required");
    assert.match(body.error.message, /signed in/);
    assert.equal(body.error.requestId, refused.headers.get("x-request-id"));

    const service = (
      await pool().query(
        "SELECT id FROM airlock.users WHERE kind = 'service' AND name = 'nightly-fraud-check'",
      )
    ).rows[0];
    const byAdminToken = await t.post(
      `/api/v1/admin/services/${service.id}/tokens`,
      { name: "svc" },
      admin.headers,
    );
    assert.equal(byAdminToken.status, 403);
    assert.equal((await byAdminToken.json()).error.code, "token.session_required");
    assert.equal(await count(), before, "no token was created");
  });

  test("a token minted in a session works, and stops on the next request once revoked or expired", async () => {
    const revoked = await create("session-minted");
    assert.equal(revoked.res.status, 201);
    assert.equal((await t.request("/api/v1/me", { headers: bearer(revoked.body.token) })).status, 200);
    assert.equal(
      (await browser.request(`/api/v1/tokens/${revoked.body.id}`, { method: "DELETE" })).status,
      204,
    );
    assert.equal((await t.request("/api/v1/me", { headers: bearer(revoked.body.token) })).status, 401);

    const expiring = await create("expiring", new Date(Date.now() + 3_600_000).toISOString());
    assert.equal((await t.request("/api/v1/me", { headers: bearer(expiring.body.token) })).status, 200);
    await pool().query(
      "UPDATE airlock.api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1",
      [expiring.body.id],
    );
    assert.equal((await t.request("/api/v1/me", { headers: bearer(expiring.body.token) })).status, 401);
  });
});
