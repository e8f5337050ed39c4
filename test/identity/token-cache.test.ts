import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type pg from "pg";
import { principalFromToken } from "../../src/identity/api-tokens.ts";
import { createTokenCache } from "../../src/identity/token-cache.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";
import { demoLikeWorkspace } from "./demo-like-workspace.ts";

// Two Airlock instances over one database, each with its own token cache: what one of them
// changes, the other must honour on its very next request.
let a: TestAirlock;
let b: TestAirlock;

before(async () => {
  a = await startTestAirlock({ workspace: demoLikeWorkspace });
  b = await startTestAirlock({ workspace: demoLikeWorkspace, database: a.database });
});
after(async () => {
  await b.airlock.close();
  await a.close();
});

const pool = () => a.airlock.database.pool;
const me = (t: TestAirlock, token: string) =>
  t.request("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });

/**
 * A pool whose reads are counted, to tell a cache hit from a lookup (the off-path UPDATE that
 * records a token's use is left out).
 */
function counting(db: pg.Pool) {
  const texts: string[] = [];
  return {
    texts,
    query: ((config: string | { text: string }, values?: unknown[]) => {
      const text = typeof config === "string" ? config : config.text;
      if (!text.startsWith("UPDATE")) texts.push(text);
      return db.query(config as never, values as never);
    }) as pg.Pool["query"],
  };
}

describe("token cache", () => {
  test("a token revoked through one instance is refused by the other on its next request", async () => {
    for (let i = 0; i < 5; i++) {
      const user = await createUser(pool(), { groups: ["support"] });
      const id = (await pool().query("SELECT id FROM airlock.api_tokens WHERE user_id = $1", [user.id]))
        .rows[0].id as string;
      // Twice: the second answer comes from b's cache.
      assert.equal((await me(b, user.token)).status, 200);
      assert.equal((await me(b, user.token)).status, 200);
      const revoked = await a.request(`/api/v1/tokens/${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${user.token}` },
      });
      assert.equal(revoked.status, 204);
      const next = await me(b, user.token);
      assert.equal(next.status, 401);
      assert.equal((await next.json()).error.code, "auth.token_invalid");
    }
  });

  test("a run submitted to the other instance right after the revoke is refused and writes nothing", async () => {
    const user = await createUser(pool(), { groups: ["support"] });
    const run = () => b.post("/api/v1/actions/lookup_account/runs", { params: {} }, user.headers);
    // The run route takes cached principals unchecked and checks them in the run's transaction.
    assert.equal((await run()).status, 200);
    assert.equal((await run()).status, 200);
    const id = (await pool().query("SELECT id FROM airlock.api_tokens WHERE user_id = $1", [user.id])).rows[0]
      .id as string;
    assert.equal(
      (await a.request(`/api/v1/tokens/${id}`, { method: "DELETE", headers: user.headers })).status,
      204,
    );
    const refused = await run();
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).error.code, "auth.token_invalid");
    const runs = await pool().query("SELECT count(*)::int AS n FROM airlock.runs WHERE actor_id = $1", [
      user.id,
    ]);
    assert.equal(runs.rows[0].n, 2);
  });

  test("a group granted: the other instance's next run is decided with it, not refused from memory", async () => {
    const user = await createUser(pool(), { groups: ["support"] });
    const other = await createUser(pool(), { groups: ["support"] });
    const run = (action: string) => b.post(`/api/v1/actions/${action}/runs`, { params: {} }, user.headers);
    assert.equal((await run("lookup_account")).status, 200);
    assert.equal((await run("clear_fraud_flag")).status, 404);
    // Someone else's change moves the version: this user's cached principal is confirmed, not lost.
    await pool().query("UPDATE airlock.api_tokens SET revoked_at = now() WHERE user_id = $1", [other.id]);
    assert.equal((await run("lookup_account")).status, 200);
    await pool().query(
      "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $1 FROM airlock.groups WHERE name = 'risk'",
      [user.id],
    );
    assert.equal((await run("clear_fraud_flag")).status, 200);
  });

  test("a user disabled, or moved out of a group, through one instance: the other sees it next", async () => {
    const admin = await createUser(pool(), { groups: ["admins"] });
    const user = await createUser(pool(), { groups: ["support", "risk"] });
    assert.deepEqual((await (await me(b, user.token)).json()).groups.sort(), ["risk", "support"]);
    await pool().query(
      "DELETE FROM airlock.group_members WHERE user_id = $1 AND group_id = (SELECT id FROM airlock.groups WHERE name = 'risk')",
      [user.id],
    );
    assert.deepEqual((await (await me(b, user.token)).json()).groups, ["support"]);

    const disabled = await a.post(`/api/v1/admin/users/${user.id}/disable`, {}, admin.headers);
    assert.equal(disabled.status, 200, await disabled.clone().text());
    assert.equal((await me(b, user.token)).status, 401);
  });

  test("an expired token is refused from the cache without any change in the database", async () => {
    const user = await createUser(pool(), { groups: ["support"] });
    await pool().query(
      "UPDATE airlock.api_tokens SET expires_at = now() + interval '1 second' WHERE user_id = $1",
      [user.id],
    );
    assert.equal((await me(b, user.token)).status, 200);
    assert.equal((await me(b, user.token)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await me(b, user.token)).status, 401);
  });

  test("a hit reads only the credentials' version; a change anywhere makes the next use look up again", async () => {
    const user = await createUser(pool(), { groups: ["support"] });
    const other = await createUser(pool(), { groups: ["support"] });
    const cache = createTokenCache();
    const db = counting(pool());
    const first = await principalFromToken(db as unknown as pg.Pool, user.token, cache);
    assert.equal(first?.id, user.id);
    assert.equal(db.texts.length, 1);
    assert.match(db.texts[0]!, /JOIN airlock\.users/);
    const again = await principalFromToken(db as unknown as pg.Pool, user.token, cache);
    assert.equal(again?.id, user.id);
    assert.deepEqual(db.texts.slice(1), ["SELECT version FROM airlock.credential_version"]);
    // Another user's token revoked: the version moves, so this token is looked up again (and is
    // still good).
    await pool().query("UPDATE airlock.api_tokens SET revoked_at = now() WHERE user_id = $1", [other.id]);
    const after = await principalFromToken(db as unknown as pg.Pool, user.token, cache);
    assert.equal(after?.id, user.id);
    assert.match(db.texts.at(-1)!, /JOIN airlock\.users/);
    // Recording a token's use (last_used_at) is not a credential change.
    const version = (await pool().query("SELECT version FROM airlock.credential_version")).rows[0].version;
    await pool().query("UPDATE airlock.api_tokens SET last_used_at = now() WHERE user_id = $1", [user.id]);
    assert.equal(
      (await pool().query("SELECT version FROM airlock.credential_version")).rows[0].version,
      version,
    );
  });

  test("the cache is bounded: past its size, the least recently used token leaves", () => {
    const cache = createTokenCache({ max: 2 });
    const entry = (id: string) => ({
      principal: { id, kind: "human" as const, name: id, email: null, groups: [], via: "token" as const },
      expiresAt: null,
      version: "v1",
      usedRecordedAt: 0,
    });
    cache.set("a", entry("a"));
    cache.set("b", entry("b"));
    assert.ok(cache.get("a"));
    cache.set("c", entry("c"));
    assert.equal(cache.size, 2);
    assert.equal(cache.get("b"), undefined);
    assert.ok(cache.get("a") && cache.get("c"));
  });
});
