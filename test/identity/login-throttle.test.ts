import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { accountKey } from "../../src/identity/login-throttle.ts";
import { listen } from "../../src/server/serve.ts";
import { auditEvents } from "../support/audit-events.ts";
import { Browser } from "../support/browser.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createPasswordUser, createUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

let t: TestAirlock;

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
});
after(async () => {
  await t.close();
});

const pool = () => t.airlock.database.pool;

async function attempt(email: string, password: string) {
  const res = await new Browser(t).login(email, password);
  const body = await res.json();
  return { status: res.status, code: body.error?.code as string | undefined, message: body.error?.message };
}

describe("per-account lockout", () => {
  test("5 failures lock the account for 15 minutes (429 auth.locked, even with the right password), audited", async () => {
    const user = await createPasswordUser(pool());
    for (let i = 0; i < 5; i++) {
      const result = await attempt(user.email, `wrong ${i}`);
      assert.equal(result.status, 401, `attempt ${i + 1}`);
    }
    const locked = await attempt(user.email, user.password);
    assert.deepEqual([locked.status, locked.code], [429, "auth.locked"]);

    const failed = await auditEvents(pool(), ["session.login_failed"], { actorId: user.id });
    assert.deepEqual(
      failed.map((e) => e.error_code),
      [...Array(5).fill("auth.invalid_credentials"), "auth.locked"],
    );
    const [lock] = await auditEvents(pool(), ["session.locked"], { actorId: user.id });
    assert.ok(lock, "the lock is audited");
    assert.equal((lock.data as { scope: string }).scope, "account");
    const until = new Date((lock.data as { lockedUntil: string }).lockedUntil).getTime() - Date.now();
    assert.ok(until > 14 * 60_000 && until <= 15 * 60_000, `locked ~15 min, got ${until} ms`);

    // Admins see the lock.
    const admin = await createUser(pool(), { groups: ["admins"] });
    const view = await (await t.request(`/api/v1/admin/users/${user.id}`, { headers: admin.headers })).json();
    assert.ok(view.lockedUntil);

    // When the lock ends, the right password works and the count starts again.
    await pool().query(
      "UPDATE airlock.login_throttle SET locked_until = now() - interval '1 second' WHERE key = $1",
      [accountKey({ userId: user.id })],
    );
    assert.equal((await attempt(user.email, user.password)).status, 200);
    assert.equal((await attempt(user.email, "wrong again")).status, 401);
    const row = (
      await pool().query("SELECT * FROM airlock.login_throttle WHERE key = $1", [
        accountKey({ userId: user.id }),
      ])
    ).rows[0];
    assert.equal(row.attempts, 1);
    assert.equal(row.locked_until, null);
  });

  test("an unknown email locks the same way, with the same answers (no account enumeration)", async () => {
    const real = await createPasswordUser(pool());
    const ghost = "ghost-user@test.airlock";
    const realAnswers = [];
    const ghostAnswers = [];
    for (let i = 0; i < 6; i++) {
      realAnswers.push(await attempt(real.email, "nope"));
      ghostAnswers.push(await attempt(ghost, "nope"));
    }
    assert.deepEqual(ghostAnswers, realAnswers);
    assert.equal(realAnswers[5]!.code, "auth.locked");
    const ghostEvents = await auditEvents(pool(), ["session.login_failed", "session.locked"]);
    const anonymous = ghostEvents.filter((e) => e.actor_kind === "anonymous");
    assert.ok(anonymous.length >= 7);
    assert.doesNotMatch(
      JSON.stringify(anonymous),
      /ghost-user/,
      "the typed email of an unknown user is not stored",
    );
  });

  test("a window older than 15 minutes starts over", async () => {
    const user = await createPasswordUser(pool());
    for (let i = 0; i < 4; i++) await attempt(user.email, "wrong");
    await pool().query(
      "UPDATE airlock.login_throttle SET window_started_at = now() - interval '16 minutes' WHERE key = $1",
      [accountKey({ userId: user.id })],
    );
    for (let i = 0; i < 4; i++) assert.equal((await attempt(user.email, "wrong")).status, 401);
  });

  test("a burst of concurrent guesses checks at most 5 passwords", async () => {
    const user = await createPasswordUser(pool());
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => attempt(user.email, `guess ${i}`)),
    );
    const checked = results.filter((r) => r.code === "auth.invalid_credentials").length;
    assert.ok(checked <= 5, `${checked} passwords were checked`);
    assert.equal(results.filter((r) => r.code === "auth.locked").length, 30 - checked);
    assert.equal(
      (await auditEvents(pool(), ["session.locked"], { actorId: user.id })).length,
      1,
      "locked once",
    );
  });

  test("admin enable lifts a lockout (audited)", async () => {
    const admin = await createUser(pool(), { groups: ["admins"] });
    const user = await createPasswordUser(pool());
    for (let i = 0; i < 5; i++) await attempt(user.email, "wrong");
    assert.equal((await attempt(user.email, user.password)).code, "auth.locked");
    const enabled = await t.post(`/api/v1/admin/users/${user.id}/enable`, {}, admin.headers);
    assert.equal(enabled.status, 200);
    const [event] = await auditEvents(pool(), ["user.enabled"], { targetId: user.id });
    assert.deepEqual(
      { ...(event!.data as object), via: undefined },
      { wasDisabled: false, lockCleared: true, via: undefined },
    );
    assert.equal((await attempt(user.email, user.password)).status, 200);
  });
});

describe("per-IP limit (over a real socket, so the client has an address)", () => {
  test("20 failures from one IP lock that IP for every account; the lock is audited once", async () => {
    const listening = await listen(t.airlock.app, "127.0.0.1", 0);
    try {
      const login = async (email: string, password: string) => {
        const res = await fetch(`${listening.url}/api/v1/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password }),
        });
        return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
      };
      const fresh = await createPasswordUser(pool());
      // A success does not count against the IP.
      assert.equal((await login(fresh.email, fresh.password)).status, 200);
      for (let i = 0; i < 20; i++) {
        const result = await login(`spray-${i}@test.airlock`, "Winter2024!");
        assert.equal(result.status, 401, `attempt ${i + 1}`);
      }
      const blocked = await login(fresh.email, fresh.password);
      assert.deepEqual(blocked, { status: 429, code: "auth.locked" });
      const locks = (await auditEvents(pool(), ["session.locked"])).filter(
        (e) => (e.data as { scope: string }).scope === "ip",
      );
      assert.equal(locks.length, 1);
      assert.equal(locks[0]!.client_ip, "127.0.0.1");
      // Refusals while the IP is locked are not written one by one.
      const before = (await auditEvents(pool(), ["session.login_failed"])).length;
      await login(fresh.email, "x");
      assert.equal((await auditEvents(pool(), ["session.login_failed"])).length, before);
    } finally {
      await listening.close(0);
    }
  });
});

describe("what the throttle table keeps", () => {
  test("never the typed text: a password typed as the email, or a real user's email, is in no row", async () => {
    await pool().query("DELETE FROM airlock.login_throttle");
    const user = await createPasswordUser(pool());
    const typed = "Tr0ub4dor&3-typed-into-the-email-field";
    for (let i = 0; i < 2; i++) {
      assert.equal((await attempt(typed, "whatever")).status, 401);
      assert.equal((await attempt(` ${typed.toUpperCase()} `, "whatever")).status, 401);
      assert.equal((await attempt(user.email, "wrong")).status, 401);
    }
    const rows = (await pool().query("SELECT * FROM airlock.login_throttle")).rows;
    const text = JSON.stringify(rows).toLowerCase();
    assert.ok(!text.includes(typed.toLowerCase()), text);
    assert.ok(!text.includes("tr0ub4dor"), text);
    assert.ok(!text.includes(user.email.toLowerCase()), text);
    // The typed text is still counted as one account (case and spaces as for emails), and locks
    // like a real account.
    assert.equal(rows.filter((r) => r.attempts === 4).length, 1, JSON.stringify(rows));
    assert.equal((await attempt(typed, "whatever")).status, 401);
    assert.equal((await attempt(typed, "whatever")).code, "auth.locked");
    // And the audit keeps the same keyed hash, never the text.
    const failed = await auditEvents(pool(), ["session.login_failed"]);
    assert.ok(!JSON.stringify(failed).toLowerCase().includes("tr0ub4dor"));
  });
});
