// Single sign-on end to end against a real OpenID provider (oidc-provider, started here on a free
// port with a client registered for Airlock's callback). The test plays the browser: it follows
// every redirect by hand, carries each site's cookies, and submits the provider's sign-in and
// consent forms.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import Provider, { type Account } from "oidc-provider";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

const AIRLOCK_URL = "http://airlock.test";

interface IdpAccount {
  email: string;
  email_verified: boolean;
  name: string;
  groups: string[];
}
const accounts = new Map<string, IdpAccount>();

let t: TestAirlock;
let idp: Server;
let issuer: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "airlock",
        client_secret: "test-client-secret",
        redirect_uris: [`${AIRLOCK_URL}/auth/oidc/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    cookies: { keys: ["oidc-test-cookie-key"] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string): Promise<Account | undefined> {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
  });
  idp = provider.listen(port);
  t = await startTestAirlock({
    workspace: demoLikeWorkspace,
    env: {
      AIRLOCK_PUBLIC_URL: AIRLOCK_URL,
      AIRLOCK_OIDC_ISSUER: issuer,
      AIRLOCK_OIDC_CLIENT_ID: "airlock",
      AIRLOCK_OIDC_CLIENT_SECRET: "test-client-secret",
      AIRLOCK_OIDC_GROUPS_CLAIM: "groups",
    },
  });
});
after(async () => {
  await t.close();
  idp.closeAllConnections();
  await new Promise((r) => idp.close(r));
});

const pool = () => t.airlock.database.pool;

/** Drives the provider from its authorization URL to the redirect back to Airlock. */
async function signInAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  let res = await fetch(authorizationUrl, { redirect: "manual", headers: { cookie: cookie() } });
  for (let step = 0; step < 20; step++) {
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get("location")!, res.url || authorizationUrl);
      if (next.origin === AIRLOCK_URL) return next;
      res = await fetch(next, { redirect: "manual", headers: { cookie: cookie() } });
      continue;
    }
    const html = await res.text();
    assert.equal(res.status, 200, html.slice(0, 500));
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    assert.ok(action && prompt, `a form at step ${step}`);
    const form = new URLSearchParams({ prompt: prompt! });
    if (prompt === "login") {
      form.set("login", login);
      form.set("password", "anything");
    }
    res = await fetch(new URL(action!.replaceAll("&amp;", "&"), issuer), {
      method: "POST",
      redirect: "manual",
      headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
  }
  throw new Error("the provider never redirected back to Airlock");
}

/** Starts at Airlock, signs in at the provider, returns the callback URL (not yet followed). */
async function startSso(browser: Browser, login: string, returnTo?: string): Promise<URL> {
  const start = await browser.request(
    `/auth/oidc/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ""}`,
  );
  assert.equal(start.status, 302, await start.clone().text());
  const location = start.headers.get("location")!;
  assert.ok(location.startsWith(`${issuer}/`), location);
  const params = new URL(location).searchParams;
  assert.equal(params.get("code_challenge_method"), "S256");
  assert.ok(params.get("state") && params.get("nonce") && params.get("code_challenge"));
  assert.ok(browser.cookies.has("airlock_oidc"), "the flow is bound to this browser");
  return await signInAtProvider(location, login);
}

async function callback(browser: Browser, url: URL): Promise<Response> {
  return await browser.request(url.pathname + url.search);
}

describe("OIDC single sign-on", () => {
  test("the providers endpoint announces SSO", async () => {
    const providers = await (await t.request("/api/v1/auth/providers")).json();
    assert.deepEqual(providers, { password: true, oidc: { enabled: true, loginUrl: "/auth/oidc/login" } });
  });

  test("happy path: provisioned by verified email, groups mapped (name or alias), session, back to returnTo", async () => {
    await pool().query(
      "UPDATE airlock.groups SET sso_aliases = '{IdP Support Tier 1}' WHERE name = 'support'",
    );
    accounts.set("idp-ada", {
      email: "ada@sso.example",
      email_verified: true,
      name: "Ada Lovelace",
      groups: ["IdP Support Tier 1", "ops", "no-such-airlock-group"],
    });
    const browser = new Browser(t);
    const back = await startSso(browser, "idp-ada", "/runs?status=failed");
    assert.ok(back.searchParams.get("code"));
    const res = await callback(browser, back);
    assert.equal(res.status, 302, await res.clone().text());
    assert.equal(res.headers.get("location"), "/runs?status=failed");
    assert.ok(browser.cookies.get("airlock_session"), "a normal session cookie");
    assert.ok(!browser.cookies.has("airlock_oidc"), "the flow cookie is spent");
    const line = browser.lastSetCookies.find((l) => l.startsWith("airlock_session="))!;
    assert.match(line, /HttpOnly; SameSite=Lax/);

    const me = await (await browser.request("/api/v1/me")).json();
    assert.equal(me.user.email, "ada@sso.example");
    assert.equal(me.user.name, "Ada Lovelace");
    assert.deepEqual(me.groups, ["ops", "support"]);
    assert.deepEqual(me.roles.sort(), ["ops", "support"]);
    assert.ok(me.csrfToken);

    const user = (await pool().query("SELECT * FROM airlock.users WHERE email = 'ada@sso.example'")).rows[0];
    assert.equal(user.source, "oidc");
    assert.equal(user.password_hash, null);
    const memberships = (
      await pool().query("SELECT source FROM airlock.group_members WHERE user_id = $1", [user.id])
    ).rows.map((r) => r.source);
    assert.deepEqual(memberships, ["oidc", "oidc"]);
    const types = (
      await auditEvents(pool(), ["user.created", "group.member_added", "session.login"], { actorId: user.id })
    ).map((e) => e.type);
    assert.deepEqual(types, ["user.created", "group.member_added", "group.member_added", "session.login"]);
    const [login] = await auditEvents(pool(), ["session.login"], { actorId: user.id });
    assert.equal((login!.data as { method: string }).method, "oidc");
  });

  test("groups stay in sync at each sign-in; memberships an admin added are kept", async () => {
    const user = (await pool().query("SELECT id FROM airlock.users WHERE email = 'ada@sso.example'")).rows[0];
    const admin = await createUser(pool(), { groups: ["admins"] });
    const compliance = (await pool().query("SELECT id FROM airlock.groups WHERE name = 'compliance'"))
      .rows[0];
    await t.post(`/api/v1/admin/groups/${compliance.id}/members`, { userId: user.id }, admin.headers);
    accounts.set("idp-ada", { ...accounts.get("idp-ada")!, groups: ["ops"] });
    const browser = new Browser(t);
    assert.equal((await callback(browser, await startSso(browser, "idp-ada"))).status, 302);
    const me = await (await browser.request("/api/v1/me")).json();
    assert.deepEqual(me.groups, ["compliance", "ops"]);
    const removed = await auditEvents(pool(), ["group.member_removed"], { targetId: user.id });
    assert.equal(removed.length, 1);
    assert.deepEqual(
      {
        group: (removed[0]!.data as { group: string }).group,
        source: (removed[0]!.data as { source: string }).source,
      },
      { group: "support", source: "oidc" },
    );
  });

  test("an existing user is matched by verified email (case-insensitive), not duplicated", async () => {
    const existing = await createPasswordUser(pool(), { email: "Grace@Sso.Example", groups: ["risk"] });
    accounts.set("idp-grace", { email: "grace@sso.example", email_verified: true, name: "G", groups: [] });
    const browser = new Browser(t);
    assert.equal((await callback(browser, await startSso(browser, "idp-grace"))).status, 302);
    const me = await (await browser.request("/api/v1/me")).json();
    assert.equal(me.user.id, existing.id);
    assert.deepEqual(me.groups, ["risk"], "admin-sourced memberships are untouched by an empty claim");
    const count = (
      await pool().query(
        "SELECT count(*)::int AS n FROM airlock.users WHERE lower(email) = 'grace@sso.example'",
      )
    ).rows[0].n;
    assert.equal(count, 1);
  });

  test("an unverified email is refused (auth.oidc_failed, audited), and no user is created", async () => {
    accounts.set("idp-eve", {
      email: "ceo@sso.example",
      email_verified: false,
      name: "Eve",
      groups: ["admins"],
    });
    const browser = new Browser(t);
    const res = await callback(browser, await startSso(browser, "idp-eve"));
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.code, "auth.oidc_failed");
    assert.ok(body.error.requestId);
    assert.ok(!browser.cookies.has("airlock_session"));
    assert.equal(
      (await pool().query("SELECT 1 FROM airlock.users WHERE email = 'ceo@sso.example'")).rowCount,
      0,
    );
    const [event] = await auditEvents(pool(), ["session.login_failed"], {
      requestId: res.headers.get("x-request-id")!,
    });
    assert.equal((event!.data as { reason: string }).reason, "email_unverified");
  });

  test("a bad state is refused and audited; the genuine callback still works afterwards", async () => {
    accounts.set("idp-bob", { email: "bob@sso.example", email_verified: true, name: "Bob", groups: [] });
    const browser = new Browser(t);
    const back = await startSso(browser, "idp-bob");
    const flowCookie = browser.cookies.get("airlock_oidc")!;
    const forged = new URL(back);
    forged.searchParams.set("state", "forged-state-value");
    const bad = await browser.request(forged.pathname + forged.search);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, "auth.oidc_failed");
    const [event] = await auditEvents(pool(), ["session.login_failed"], {
      requestId: bad.headers.get("x-request-id")!,
    });
    assert.equal((event!.data as { reason: string }).reason, "state_unknown_or_used");
    // The refusal spent the browser's flow cookie; with it, the genuine callback still completes:
    // the forgery consumed nothing.
    browser.cookies.set("airlock_oidc", flowCookie);
    assert.equal((await callback(browser, back)).status, 302);
  });

  test("the callback in another browser is refused (login CSRF): the flow is bound to its browser", async () => {
    accounts.set("idp-bob", { email: "bob@sso.example", email_verified: true, name: "Bob", groups: [] });
    const victim = new Browser(t);
    const attacker = new Browser(t);
    const back = await startSso(attacker, "idp-bob");
    const res = await callback(victim, back);
    assert.equal(res.status, 400);
    assert.ok(!victim.cookies.has("airlock_session"));
    const [event] = await auditEvents(pool(), ["session.login_failed"], {
      requestId: res.headers.get("x-request-id")!,
    });
    assert.equal((event!.data as { reason: string }).reason, "browser_mismatch");
  });

  test("a replayed callback, and a replayed code under a fresh state, are refused and audited", async () => {
    accounts.set("idp-bob", { email: "bob@sso.example", email_verified: true, name: "Bob", groups: [] });
    const browser = new Browser(t);
    const back = await startSso(browser, "idp-bob");
    const flowCookie = browser.cookies.get("airlock_oidc")!;
    assert.equal((await callback(browser, back)).status, 302);

    browser.cookies.set("airlock_oidc", flowCookie);
    const replay = await callback(browser, back);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).error.code, "auth.oidc_failed");

    // A new flow in the same browser, then the old code with the new state: the provider refuses
    // the code (already used, and the PKCE verifier does not match).
    const fresh = await browser.request("/auth/oidc/login");
    const state = new URL(fresh.headers.get("location")!).searchParams.get("state")!;
    const reused = new URL(back);
    reused.searchParams.set("state", state);
    const res = await callback(browser, reused);
    assert.equal(res.status, 400);
    const [event] = await auditEvents(pool(), ["session.login_failed"], {
      requestId: res.headers.get("x-request-id")!,
    });
    assert.match((event!.data as { reason: string }).reason, /^token_exchange_failed/);
  });

  test("a disabled user cannot sign in with SSO", async () => {
    accounts.set("idp-dan", { email: "dan@sso.example", email_verified: true, name: "Dan", groups: [] });
    const first = new Browser(t);
    assert.equal((await callback(first, await startSso(first, "idp-dan"))).status, 302);
    await pool().query("UPDATE airlock.users SET status = 'disabled' WHERE email = 'dan@sso.example'");
    const browser = new Browser(t);
    const res = await callback(browser, await startSso(browser, "idp-dan"));
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "auth.user_disabled");
    assert.equal((await first.request("/api/v1/me")).status, 401, "the earlier session stops too");
  });

  test("returnTo stays on this site; malformed callbacks are a clear 400", async () => {
    for (const evil of [
      "//evil.example/x",
      "https://evil.example",
      "/\\evil.example",
      "javascript:alert(1)",
    ]) {
      accounts.set("idp-bob", { email: "bob@sso.example", email_verified: true, name: "Bob", groups: [] });
      const browser = new Browser(t);
      const res = await callback(browser, await startSso(browser, "idp-bob", evil));
      assert.equal(res.headers.get("location"), "/", evil);
    }
    for (const query of ["", "?code=x", "?state=", "?error=access_denied&state=abc"]) {
      const res = await t.request(`/auth/oidc/callback${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((await res.json()).error.code, "auth.oidc_failed");
    }
  });
});
