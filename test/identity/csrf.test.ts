import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, type TestUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let t: TestAirlock;
let admin: TestUser;
let adminBrowser: Browser;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
  const adminUser = await createPasswordUser(t.airlock.database.pool, { groups: ["admins", "support"] });
  adminBrowser = new Browser(t);
  assert.equal((await adminBrowser.login(adminUser.email, adminUser.password)).status, 200);
});
after(async () => {
  await t.close();
});

const pool = () => t.airlock.database.pool;
const tokenBody = JSON.stringify({ name: "csrf-test" });

async function signedIn(): Promise<Browser> {
  const user = await createPasswordUser(pool(), { groups: ["support"] });
  const browser = new Browser(t);
  assert.equal((await browser.login(user.email, user.password)).status, 200);
  return browser;
}

async function tokenCount(): Promise<number> {
  return (await pool().query("SELECT count(*)::int AS n FROM airlock.api_tokens")).rows[0].n;
}

describe("CSRF on cookie-authenticated requests", () => {
  test("a state-changing request without the token, or with a wrong one, is 403 auth.csrf_failed and changes nothing", async () => {
    const browser = await signedIn();
    const before = await tokenCount();
    for (const headers of [{}, { "x-csrf-token": "wrong" }, { "x-csrf-token": "" }] as Record<
      string,
      string
    >[]) {
      const res = await browser.request("/api/v1/tokens", {
        method: "POST",
        body: tokenBody,
        headers,
        csrf: false,
      });
      assert.equal(res.status, 403);
      const body = await res.json();
      assert.equal(body.error.code, "auth.csrf_failed");
      assert.ok(body.error.requestId);
    }
    for (const [method, path] of [
      ["DELETE", "/api/v1/session"],
      ["POST", "/api/v1/actions/issue_credit/runs"],
      ["PATCH", "/api/v1/admin/groups/grp_x"],
      ["DELETE", "/api/v1/tokens/tok_x"],
    ] as const) {
      const res = await browser.request(path, { method, body: "{}", csrf: false });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal((await res.json()).error.code, "auth.csrf_failed");
    }
    assert.equal(await tokenCount(), before);
    assert.equal((await browser.request("/api/v1/me")).status, 200, "logout without the token did nothing");
  });

  test("with the session's token it passes; the token from GET /api/v1/me is the same", async () => {
    const browser = await signedIn();
    const me = await (await browser.request("/api/v1/me")).json();
    assert.equal(me.csrfToken, browser.csrfToken);
    const res = await browser.request("/api/v1/tokens", { method: "POST", body: tokenBody });
    assert.equal(res.status, 201);
  });

  test("another session's token does not work", async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const res = await alice.request("/api/v1/tokens", {
      method: "POST",
      body: tokenBody,
      headers: { "x-csrf-token": bob.csrfToken! },
    });
    assert.equal(res.status, 403);
  });

  test("a cross-origin Origin is refused even with the right token; the same origin passes", async () => {
    const browser = await signedIn();
    for (const origin of [
      "https://evil.example",
      "null",
      "http://localhost:8080",
      "http://localhost.evil.example",
    ]) {
      const res = await browser.request("/api/v1/tokens", {
        method: "POST",
        body: tokenBody,
        headers: { origin },
      });
      assert.equal(res.status, 403, origin);
      assert.equal((await res.json()).error.code, "auth.csrf_failed");
    }
    const same = await browser.request("/api/v1/tokens", {
      method: "POST",
      body: tokenBody,
      headers: { origin: "http://localhost" },
    });
    assert.equal(same.status, 201);
  });

  test("bearer-token requests are exempt (a browser never attaches them by itself)", async () => {
    const user = await createUser(pool(), { groups: ["support"] });
    const own = (await pool().query("SELECT id FROM airlock.api_tokens WHERE user_id = $1", [user.id]))
      .rows[0];
    // A state-changing request (a token revoking itself) from another origin, with no CSRF token.
    const res = await t.request(`/api/v1/tokens/${own.id}`, {
      method: "DELETE",
      headers: { ...user.headers, origin: "https://evil.example" },
    });
    assert.equal(res.status, 204);
  });

  test("sign-in from another origin is refused (login CSRF)", async () => {
    const user = await createPasswordUser(pool());
    const res = await new Browser(t).login(user.email, user.password, { origin: "https://evil.example" });
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "auth.csrf_failed");
    assert.equal(res.headers.getSetCookie().length, 0);
  });

  test("safe methods need no token", async () => {
    const browser = await signedIn();
    const res = await browser.request("/api/v1/actions", {
      csrf: false,
      headers: { origin: "https://evil.example" },
    });
    assert.equal(res.status, 200);
  });
});

// Every GET route of the API, called with real ids by a session that may see everything, leaves the
// domain tables exactly as they were (reading the audit trail is audited by design, and sessions
// and tokens record when they were last used: those columns are left out).
describe("no state change on GET", () => {
  const SNAPSHOT: Record<string, string> = {
    users: "id, kind, email, name, status, password_hash, source, created_at, updated_at, disabled_at",
    groups: "*",
    group_members: "*",
    grants: "*",
    sessions: "id_hash, user_id, csrf_token, created_at, absolute_expires_at, revoked_at",
    api_tokens: "id, user_id, name, token_hash, prefix, created_by, created_at, expires_at, revoked_at",
    runs: "*",
    idempotency_keys: "*",
    login_throttle: "*",
    oidc_login_states: "*",
  };

  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [table, columns] of Object.entries(SNAPSHOT)) {
      const result = await pool().query(
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM (SELECT ${columns} FROM airlock.${table}) t`,
      );
      out[table] = result.rows[0].h;
    }
    return out;
  }

  test("every GET in the OpenAPI document changes nothing", async () => {
    // Something to look at: a run, a token, a stored grant.
    const operator = await createUser(pool(), { groups: ["support"] });
    const run = await (
      await t.post("/api/v1/actions/issue_credit/runs", { params: {} }, operator.headers)
    ).json();
    const token = await (
      await adminBrowser.request("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "seen" }) })
    ).json();
    const group = (await pool().query("SELECT id FROM airlock.groups LIMIT 1")).rows[0].id;
    const ids: Record<string, string> = { id: run.id, name: "issue_credit", userId: admin.id };
    const byPrefix: [RegExp, string][] = [
      [/^\/api\/v1\/admin\/users\//, admin.id],
      [/^\/api\/v1\/admin\/groups\//, group],
      [/^\/api\/v1\/tokens\//, token.id],
    ];
    const doc = await (await adminBrowser.request("/api/v1/openapi.json")).json();
    const before = await snapshot();
    let called = 0;
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      if (!operations.get || path.startsWith("/auth/oidc/")) continue;
      const prefixId = byPrefix.find(([re]) => re.test(path))?.[1];
      const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => prefixId ?? ids[name] ?? "x");
      const res = await adminBrowser.request(url, { csrf: false });
      assert.ok(res.status < 500, `GET ${url} → ${res.status}`);
      called++;
    }
    assert.ok(called >= 10, `called ${called} GET routes`);
    assert.deepEqual(await snapshot(), before);
  });
});
