// The per-IP sign-in limit counts against the address that connected, unless that address is a
// configured proxy (AIRLOCK_TRUSTED_PROXIES): then, and only then, against the client the proxy
// names in X-Forwarded-For / Forwarded. Over a real socket, so that the peer has an address.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { loadConfig } from "../../src/config/config.ts";
import { StartupError } from "../../src/errors/startup-error.ts";
import { listen } from "../../src/server/serve.ts";
import { demoLikeWorkspace } from "../identity/demo-like-workspace.ts";
import { auditEvents } from "../support/audit-events.ts";
import { startTestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser } from "../support/users.ts";

const started: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of started.reverse()) await close();
});

async function serve(env: Record<string, string> = {}) {
  const t = await startTestAirlock({ workspace: demoLikeWorkspace, env });
  const listening = await listen(t.airlock.app, "127.0.0.1", 0);
  started.push(async () => {
    await listening.close(0);
    await t.close();
  });
  const login = async (email: string, password: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${listening.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ email, password }),
    });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code, retryAfter: res.headers.get("retry-after") };
  };
  return { t, login };
}

/** Sign-ins of 40 different accounts; the index of the first 429, or null. */
async function spray(
  login: Awaited<ReturnType<typeof serve>>["login"],
  headersFor: (i: number) => Record<string, string>,
) {
  const answers: { status: number; code: string | undefined; retryAfter: string | null }[] = [];
  for (let i = 0; i < 40; i++)
    answers.push(await login(`spray-${i}@test.airlock`, "Winter2024!", headersFor(i)));
  return answers;
}

describe("from a client that is not a configured proxy", () => {
  let server: Awaited<ReturnType<typeof serve>>;

  test("a 40-account password spray rotating X-Forwarded-For is throttled: 429 from the 21st attempt", async () => {
    server = await serve();
    const answers = await spray(server.login, (i) => ({ "x-forwarded-for": `203.0.113.${i + 1}` }));
    const first429 = answers.findIndex((a) => a.status === 429);
    assert.equal(first429, 20, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(answers.slice(0, 20).every((a) => a.status === 401));
    assert.ok(answers.slice(20).every((a) => a.status === 429 && a.code === "auth.locked"));
    const retryAfter = Number(answers[39]!.retryAfter);
    assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${answers[39]!.retryAfter}`);
    // The forwarded addresses were not believed: the lock and the failures name the real peer.
    const [lock] = (await auditEvents(server.t.airlock.database.pool, ["session.locked"])).filter(
      (e) => (e.data as { scope: string }).scope === "ip",
    );
    assert.equal(lock?.client_ip, "127.0.0.1");
  });

  test("rotating Forwarded: for=… does not help either (same lock, still 429)", async () => {
    const answers = await spray(server.login, (i) => ({ forwarded: `for=198.51.100.${i + 1}` }));
    assert.ok(answers.every((a) => a.status === 429));
  });
});

describe("from a configured trusted proxy (AIRLOCK_TRUSTED_PROXIES)", () => {
  test("the forwarded client address is the one counted and audited; other clients are unaffected", async () => {
    const { t, login } = await serve({ AIRLOCK_TRUSTED_PROXIES: "10.0.0.0/8, 127.0.0.1" });
    // Behind two proxies: the client is the rightmost address that is not a trusted proxy; what
    // the client itself wrote further left is not believed.
    const attacker = { "x-forwarded-for": "6.6.6.6, 192.0.2.7, 10.1.2.3" };
    const answers = await spray(login, () => attacker);
    assert.equal(
      answers.findIndex((a) => a.status === 429),
      20,
    );
    const user = await createPasswordUser(t.airlock.database.pool);
    assert.equal(
      (await login(user.email, user.password, attacker)).status,
      429,
      "the attacker's address is locked",
    );
    assert.equal(
      (await login(user.email, user.password, { "x-forwarded-for": "192.0.2.8" })).status,
      200,
      "another client behind the same proxy signs in",
    );
    const failed = await auditEvents(t.airlock.database.pool, ["session.login_failed"]);
    assert.ok(failed.length >= 20);
    assert.ok(failed.every((e) => e.client_ip === "192.0.2.7"));
    const [success] = await auditEvents(t.airlock.database.pool, ["session.login"]);
    assert.equal(success?.client_ip, "192.0.2.8");
  });

  test("Forwarded (RFC 7239) is read the same way, and an IPv6 client counts by its /64", async () => {
    const { login } = await serve({ AIRLOCK_TRUSTED_PROXIES: "127.0.0.1" });
    // Rotating addresses inside one /64 (what every IPv6 client can do) is one client.
    const answers = await spray(login, (i) => ({
      forwarded: `for="[2001:db8:1:2::${(i + 1).toString(16)}]:4711"`,
    }));
    assert.equal(
      answers.findIndex((a) => a.status === 429),
      20,
    );
    assert.equal(
      (await login("someone@test.airlock", "x", { forwarded: 'for="[2001:db8:1:3::1]"' })).status,
      401,
      "another /64 is another client",
    );
  });
});

describe("the setting", () => {
  test("IPs and CIDRs, v4 and v6; a bad entry or the old AIRLOCK_TRUST_PROXY stops the start naming the variable", () => {
    assert.deepEqual(loadConfig({}).trustedProxies, []);
    assert.deepEqual(
      loadConfig({ AIRLOCK_TRUSTED_PROXIES: " 10.0.0.0/8 ,127.0.0.1,::1, fd00::/8" }).trustedProxies,
      ["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"],
    );
    for (const bad of ["10.0.0.0/33", "proxy.internal", "10.0.0.1/x", "::1/129", "*"]) {
      assert.throws(
        () => loadConfig({ AIRLOCK_TRUSTED_PROXIES: bad }),
        (error: unknown) =>
          error instanceof StartupError &&
          /AIRLOCK_TRUSTED_PROXIES/.test(error.message) &&
          error.message.includes(bad),
        bad,
      );
    }
    assert.throws(
      () => loadConfig({ AIRLOCK_TRUST_PROXY: "1" }),
      (error: unknown) => error instanceof StartupError && /AIRLOCK_TRUSTED_PROXIES/.test(error.message),
    );
  });
});
