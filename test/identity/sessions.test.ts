import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let t: TestAirlock;
let admin: TestUser;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
});
after(async () => {
  await t.close();
});

const pool = () => t.airlock.database.pool;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

async function sessionRow(cookie: string) {
  return (await pool().query("SELECT * FROM airlock.sessions WHERE id_hash = $1", [sha256(cookie)])).rows[0];
}

describe("signing in with a password", () => {
  test("returns the user, groups, roles and CSRF token, and sets an HttpOnly SameSite cookie", async () => {
    const user = await createPasswordUser(pool(), { groups: ["support"] });
    const browser = new Browser(t);
    const res = await browser.login(user.email.toUpperCase(), user.password);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.user.id, user.id);
    assert.deepEqual(body.groups, ["support"]);
    assert.deepEqual(body.roles, ["support"]);
    assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.headers.get("cache-control"), "no-store");

    const [cookieLine] = browser.lastSetCookies;
    assert.match(cookieLine!, /^airlock_session=[A-Za-z0-9_-]{43}; /);
    assert.match(cookieLine!, /; HttpOnly/);
    assert.match(cookieLine!, /; SameSite=Lax/);
    assert.match(cookieLine!, /; Path=\//);
    assert.doesNotMatch(cookieLine!, /Secure/, "no Secure flag without an https public URL");

    // Only the cookie's SHA-256 is stored.
    const cookie = browser.cookies.get("airlock_session")!;
    const row = await sessionRow(cookie);
    assert.ok(row, "the session row is keyed by the cookie's hash");
    const dump = JSON.stringify((await pool().query("SELECT * FROM airlock.sessions")).rows);
    assert.ok(!dump.includes(cookie), "the cookie value is nowhere in the sessions table");
    assert.equal(row.csrf_token, body.csrfToken);
    const idleMs = new Date(row.idle_expires_at).getTime() - Date.now();
    const absoluteMs = new Date(row.absolute_expires_at).getTime() - Date.now();
    assert.ok(idleMs > 29 * 60_000 && idleMs <= 30 * 60_000, `idle timeout ~30 min, got ${idleMs}`);
    assert.ok(absoluteMs > 11.9 * 3_600_000 && absoluteMs <= 12 * 3_600_000, "absolute timeout ~12 h");

    const me = await browser.request("/api/v1/me");
    const meBody = await me.json();
    assert.equal(me.status, 200);
    assert.equal(meBody.user.id, user.id);
    assert.equal(meBody.via, "session");
    assert.equal(meBody.csrfToken, body.csrfToken);
    assert.ok(meBody.permissions.actions.run.includes("issue_credit"));

    const logins = await auditEvents(pool(), ["session.login"], { actorId: user.id });
    assert.equal(logins.length, 1);
    assert.equal((logins[0]!.data as { method: string }).method, "password");
    assert.doesNotMatch(t.logText(), new RegExp(cookie), "the cookie never reaches the logs");
    assert.doesNotMatch(t.logText(), new RegExp(user.password), "the password never reaches the logs");
  });

  test("unknown user, wrong password and SSO-only user get the same answer", async () => {
    const user = await createPasswordUser(pool());
    await pool().query(
      "INSERT INTO airlock.users (id, kind, email, name, source) VALUES ('usr_sso_only', 'human', 'sso-only@test.airlock', 'SSO', 'oidc')",
    );
    const answers = [];
    for (const [email, password] of [
      [user.email, "wrong password"],
      ["nobody-at-all@test.airlock", PASSWORD],
      ["sso-only@test.airlock", PASSWORD],
    ] as const) {
      const res = await new Browser(t).login(email, password);
      const body = await res.json();
      answers.push({ status: res.status, code: body.error.code, message: body.error.message });
      assert.equal(res.headers.getSetCookie().length, 0, "no cookie for a failed sign-in");
    }
    assert.equal(answers[0]!.status, 401);
    assert.equal(answers[0]!.code, "auth.invalid_credentials");
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(answers[2], answers[0]);
    const failures = await auditEvents(pool(), ["session.login_failed"], { actorId: user.id });
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.error_code, "auth.invalid_credentials");
    assert.doesNotMatch(JSON.stringify(failures), /wrong password/);
  });

  test("a disabled user is refused even with the right password", async () => {
    const user = await createPasswordUser(pool());
    await pool().query("UPDATE airlock.users SET status = 'disabled' WHERE id = $1", [user.id]);
    const res = await new Browser(t).login(user.email, user.password);
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "auth.user_disabled");
    const wrong = await new Browser(t).login(user.email, "not the password");
    assert.equal(
      (await wrong.json()).error.code,
      "auth.invalid_credentials",
      "nothing learned without the password",
    );
  });

  test("without SSO configured: providers say so and /auth/oidc/login is 404", async () => {
    const providers = await (await t.request("/api/v1/auth/providers")).json();
    assert.deepEqual(providers, { password: true, oidc: { enabled: false } });
    const res = await t.request("/auth/oidc/login");
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error.code, "auth.oidc_not_configured");
  });

  test("malformed sign-in bodies are a clear 4xx", async () => {
    const browser = new Browser(t);
    const missing = await browser.request("/api/v1/session", {
      method: "POST",
      body: JSON.stringify({ email: "x" }),
    });
    assert.equal(missing.status, 422);
    assert.equal((await missing.json()).error.code, "validation.failed");
    const huge = await browser.request("/api/v1/session", {
      method: "POST",
      body: JSON.stringify({ email: "a@b.c", password: "x".repeat(5_000) }),
    });
    assert.equal(huge.status, 422);
  });
});

describe("session lifetime", () => {
  test("logout revokes the session on the next request", async () => {
    const user = await createPasswordUser(pool());
    const browser = new Browser(t);
    await browser.login(user.email, user.password);
    const cookie = browser.cookies.get("airlock_session")!;
    const out = await browser.request("/api/v1/session", { method: "DELETE" });
    assert.equal(out.status, 204);
    assert.match(browser.lastSetCookies[0]!, /^airlock_session=; .*Max-Age=0/);
    const again = await t.request("/api/v1/me", { headers: { cookie: `airlock_session=${cookie}` } });
    assert.equal(again.status, 401);
    assert.equal((await again.json()).error.code, "auth.session_expired");
    assert.ok((await sessionRow(cookie)).revoked_at);
    assert.equal((await auditEvents(pool(), ["session.logout"], { actorId: user.id })).length, 1);
  });

  test("every sign-in rotates the id and revokes the browser's previous session; other browsers keep theirs", async () => {
    const user = await createPasswordUser(pool());
    const laptop = new Browser(t);
    const phone = new Browser(t);
    await laptop.login(user.email, user.password);
    await phone.login(user.email, user.password);
    const first = laptop.cookies.get("airlock_session")!;
    const firstCsrf = laptop.csrfToken;
    await laptop.login(user.email, user.password);
    const second = laptop.cookies.get("airlock_session")!;
    assert.notEqual(second, first);
    assert.notEqual(laptop.csrfToken, firstCsrf, "a new CSRF token too");
    const old = await t.request("/api/v1/me", { headers: { cookie: `airlock_session=${first}` } });
    assert.equal(old.status, 401);
    assert.equal((await laptop.request("/api/v1/me")).status, 200);
    assert.equal((await phone.request("/api/v1/me")).status, 200, "another browser's session is untouched");
  });

  test("a planted (fixated) cookie is revoked by signing in, never adopted", async () => {
    const user = await createPasswordUser(pool());
    const planted = randomBytes(32).toString("base64url");
    const browser = new Browser(t);
    browser.cookies.set("airlock_session", planted);
    await browser.login(user.email, user.password);
    assert.notEqual(browser.cookies.get("airlock_session"), planted);
    assert.equal(await sessionRow(planted), undefined);
  });

  test("idle timeout: an idle session ends; activity slides it, written at most once a minute", async () => {
    const user = await createPasswordUser(pool());
    const browser = new Browser(t);
    await browser.login(user.email, user.password);
    const cookie = browser.cookies.get("airlock_session")!;
    const hash = sha256(cookie);

    // Fresh session: requests within the minute do not write.
    const before = await sessionRow(cookie);
    await browser.request("/api/v1/me");
    assert.deepEqual((await sessionRow(cookie)).last_seen_at, before.last_seen_at);

    // Seen 2 minutes ago, 1 minute left: the next request slides the idle expiry to ~30 min.
    await pool().query(
      `UPDATE airlock.sessions SET last_seen_at = now() - interval '2 minutes',
              idle_expires_at = now() + interval '1 minute' WHERE id_hash = $1`,
      [hash],
    );
    assert.equal((await browser.request("/api/v1/me")).status, 200);
    const slid = await sessionRow(cookie);
    const left = new Date(slid.idle_expires_at).getTime() - Date.now();
    assert.ok(left > 29 * 60_000, `idle expiry moved forward, ${left} ms left`);

    // Idle past the limit: gone.
    await pool().query(
      "UPDATE airlock.sessions SET idle_expires_at = now() - interval '1 second' WHERE id_hash = $1",
      [hash],
    );
    const res = await browser.request("/api/v1/me");
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.code, "auth.session_expired");
  });

  test("absolute timeout: activity never extends a session past it", async () => {
    const user = await createPasswordUser(pool());
    const browser = new Browser(t);
    await browser.login(user.email, user.password);
    const cookie = browser.cookies.get("airlock_session")!;
    const hash = sha256(cookie);
    await pool().query(
      `UPDATE airlock.sessions SET last_seen_at = now() - interval '5 minutes',
              absolute_expires_at = now() + interval '10 minutes' WHERE id_hash = $1`,
      [hash],
    );
    assert.equal((await browser.request("/api/v1/me")).status, 200);
    const row = await sessionRow(cookie);
    assert.ok(
      new Date(row.idle_expires_at) <= new Date(row.absolute_expires_at),
      "sliding stops at the absolute limit",
    );
    await pool().query(
      "UPDATE airlock.sessions SET absolute_expires_at = now() - interval '1 second' WHERE id_hash = $1",
      [hash],
    );
    assert.equal((await browser.request("/api/v1/me")).status, 401);
  });

  test("disabling a user cuts off their sessions and tokens on the next request", async () => {
    const user = await createPasswordUser(pool());
    const browser = new Browser(t);
    await browser.login(user.email, user.password);
    const created = await browser.request("/api/v1/tokens", {
      method: "POST",
      body: JSON.stringify({ name: "cli" }),
    });
    const { token } = await created.json();
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await t.request("/api/v1/me", { headers: bearer })).status, 200);

    const disabled = await t.post(`/api/v1/admin/users/${user.id}/disable`, {}, admin.headers);
    assert.equal(disabled.status, 200, await disabled.clone().text());
    assert.equal((await disabled.json()).status, "disabled");

    const viaSession = await browser.request("/api/v1/me");
    assert.equal(viaSession.status, 401);
    const viaToken = await t.request("/api/v1/me", { headers: bearer });
    assert.equal(viaToken.status, 401);
    assert.equal((await viaToken.json()).error.code, "auth.token_invalid");
    const [event] = await auditEvents(pool(), ["user.disabled"], { targetId: user.id });
    assert.deepEqual(
      {
        s: (event!.data as { sessionsEnded: number }).sessionsEnded,
        k: (event!.data as { tokensRevoked: number }).tokensRevoked,
      },
      { s: 1, k: 1 },
    );

    // Even a session the disable missed (a row written straight into the table) is refused.
    await pool().query("UPDATE airlock.sessions SET revoked_at = NULL WHERE user_id = $1", [user.id]);
    assert.equal((await browser.request("/api/v1/me")).status, 401);
  });

  test("forged or malformed session cookies are 401, never anonymous", async () => {
    for (const value of [randomBytes(32).toString("base64url"), "not-a-session", "x".repeat(500)]) {
      const res = await t.request("/api/v1/me", { headers: { cookie: `airlock_session=${value}` } });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "auth.session_expired");
    }
    const none = await t.request("/api/v1/me", { headers: { cookie: "other=1" } });
    assert.equal((await none.json()).error.code, "auth.required");
  });
});

describe("over https (AIRLOCK_PUBLIC_URL=https://…)", () => {
  test("the cookie is __Host-airlock_session with Secure, and works", async () => {
    const secure = await startTestAirlock({
      workspace: demoLikeWorkspace,
      database: t.database,
      env: { AIRLOCK_PUBLIC_URL: "https://airlock.example.com" },
    });
    try {
      const user = await createPasswordUser(pool());
      const browser = new Browser(secure);
      const res = await browser.login(user.email, user.password);
      assert.equal(res.status, 200);
      const [line] = browser.lastSetCookies;
      assert.match(
        line!,
        /^__Host-airlock_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/,
      );
      assert.equal((await browser.request("/api/v1/me")).status, 200);
      // The plain name means nothing to an https deployment.
      const plain = await secure.request("/api/v1/me", {
        headers: { cookie: `airlock_session=${browser.cookies.get("__Host-airlock_session")}` },
      });
      assert.equal((await plain.json()).error.code, "auth.required");
      // The public origin is the only one allowed to change state.
      const cross = await browser.request("/api/v1/tokens", {
        method: "POST",
        body: JSON.stringify({ name: "x" }),
        headers: { origin: "http://localhost" },
      });
      assert.equal(cross.status, 403);
      const same = await browser.request("/api/v1/tokens", {
        method: "POST",
        body: JSON.stringify({ name: "x" }),
        headers: { origin: "https://airlock.example.com" },
      });
      assert.equal(same.status, 201);
    } finally {
      await secure.airlock.close();
    }
  });
});
