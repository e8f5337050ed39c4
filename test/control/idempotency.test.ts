import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pruneKeys } from "../../src/control/idempotency-store.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let alice: TestUser;
let bob: TestUser;
// Holds a queued run inside its execution (after the handler, before its outcome is recorded)
// until released: "still executing" without depending on timing.
let hold: { reached: () => void; released: Promise<void> } | null = null;

before(async () => {
  // A short wait so a held queued run answers 202 while it is still executing.
  t = await startTestAirlock({
    workspace: fixtureWorkspace,
    prepare: createFixtureSchema,
    env: { AIRLOCK_RUN_WAIT_MS: "100", AIRLOCK_DB_POOL_SIZE: "30" },
    async racePoint(name) {
      if (name !== "executor.before_record" || !hold) return;
      const current = hold;
      hold = null;
      current.reached();
      await current.released;
    },
  });
  alice = await createUser(t.airlock.database.pool, { groups: ["operators"] });
  bob = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(async () => {
  await t.close();
});

async function effectsFor(account: string): Promise<number> {
  const client = await ownerClient(t.database.url);
  try {
    return (
      await client.query("SELECT count(*)::int AS n FROM fixture.effects WHERE account = $1", [account])
    ).rows[0].n;
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("timed out waiting");
}

describe("one effect per idempotency key", () => {
  for (const action of ["credit_inline", "credit_queued"]) {
    test(`${action}: 200 concurrent submits with one key → exactly one effect, the rest replay or get 409, no 5xx`, async () => {
      const account = `acc_race_${action}`;
      const key = `race-${action}`;
      const responses = await Promise.all(
        Array.from({ length: 200 }, () =>
          t.post(
            `/api/v1/actions/${action}/runs`,
            { params: { account, amount: 7 } },
            { ...alice.headers, "idempotency-key": key },
          ),
        ),
      );
      const statuses = responses.map((r) => r.status);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      assert.equal(
        statuses.filter((s) => s >= 500).length,
        0,
        JSON.stringify(bodies.find((_, i) => statuses[i]! >= 500)),
      );
      for (const [i, status] of statuses.entries()) {
        assert.ok([200, 202, 409].includes(status), `unexpected ${status}: ${JSON.stringify(bodies[i])}`);
        if (status === 409) assert.equal(bodies[i].error.code, "idempotency.in_progress");
      }
      const runIds = new Set(bodies.filter((b) => b.id).map((b) => b.id));
      assert.equal(runIds.size, 1, "every success names the same run");
      await waitFor(async () => (await effectsFor(account)) >= 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await effectsFor(account), 1);
      const replays = responses.filter((r) => r.headers.get("idempotent-replayed") === "true").length;
      t.airlock.log.info(
        { action, replays, conflicts: statuses.filter((s) => s === 409).length },
        "race outcome",
      );
      // A later retry replays the stored result.
      const retry = await t.post(
        `/api/v1/actions/${action}/runs`,
        { params: { account, amount: 7 } },
        { ...alice.headers, "idempotency-key": key },
      );
      assert.equal(retry.status, 200);
      assert.equal(retry.headers.get("idempotent-replayed"), "true");
      assert.equal((await retry.json()).id, [...runIds][0]);
    });
  }

  test("a changed payload is never served from the cache: each parameter changed in turn → 422, no effect", async () => {
    const key = "mismatch-key";
    const first = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_mm", amount: 10, note: "a" } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(first.status, 200);
    const variants = [
      { account: "acc_mm2", amount: 10, note: "a" },
      { account: "acc_mm", amount: 11, note: "a" },
      { account: "acc_mm", amount: 10, note: "b" },
      { account: "acc_mm", amount: 10 },
    ];
    for (const params of variants) {
      const res = await t.post(
        "/api/v1/actions/credit_inline/runs",
        { params },
        { ...alice.headers, "idempotency-key": key },
      );
      assert.equal(res.status, 422);
      assert.equal((await res.json()).error.code, "idempotency.mismatch");
    }
    const otherAction = await t.post(
      "/api/v1/actions/credit_queued/runs",
      { params: { account: "acc_mm", amount: 10, note: "a" } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(otherAction.status, 422);
    assert.equal(await effectsFor("acc_mm"), 1);
    assert.equal(await effectsFor("acc_mm2"), 0);
    // Key order in the JSON does not matter: the hash is canonical.
    const reordered = await t.request("/api/v1/actions/credit_inline/runs", {
      method: "POST",
      headers: { ...alice.headers, "idempotency-key": key },
      body: '{"params":{"note":"a","amount":10,"account":"acc_mm"}}',
    });
    assert.equal(reordered.status, 200);
    assert.equal(reordered.headers.get("idempotent-replayed"), "true");
  });

  test("a key is scoped to its actor", async () => {
    const key = "shared-key";
    const a = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_scope", amount: 1 } },
      { ...alice.headers, "idempotency-key": key },
    );
    const b = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_scope", amount: 1 } },
      { ...bob.headers, "idempotency-key": key },
    );
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual((await a.json()).id, (await b.json()).id);
    assert.equal(await effectsFor("acc_scope"), 2);
  });

  test("same key while the first run is still executing → 409 idempotency.in_progress", async () => {
    const key = "slow-key";
    let release!: () => void;
    const reached = new Promise<void>((resolve) => {
      hold = { reached: resolve, released: new Promise<void>((r) => (release = r)) };
    });
    const first = await t.post(
      "/api/v1/actions/slow/runs",
      { params: { ms: 0 } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(first.status, 202);
    const run = await first.json();
    assert.ok(["queued", "running"].includes(run.status));
    await reached;
    const second = await t.post(
      "/api/v1/actions/slow/runs",
      { params: { ms: 0 } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(second.status, 409);
    const body = await second.json();
    assert.equal(body.error.code, "idempotency.in_progress");
    assert.equal(body.error.details.runId, run.id);
    release();
    await waitFor(
      async () =>
        (await (await t.request(`/api/v1/runs/${run.id}`, { headers: alice.headers })).json()).status ===
        "succeeded",
    );
    const third = await t.post(
      "/api/v1/actions/slow/runs",
      { params: { ms: 0 } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(third.status, 200);
    assert.equal((await third.json()).id, run.id);
  });

  test("a refused request does not use up its key; bad keys are refused", async () => {
    const key = "after-invalid";
    const invalid = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "x", amount: 1 } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(invalid.status, 422);
    const valid = await t.post(
      "/api/v1/actions/credit_inline/runs",
      { params: { account: "acc_after", amount: 1 } },
      { ...alice.headers, "idempotency-key": key },
    );
    assert.equal(valid.status, 200);
    for (const bad of ["x".repeat(256), "has space", "tab\tkey"]) {
      const res = await t.request("/api/v1/actions/echo/runs", {
        method: "POST",
        headers: { ...alice.headers, "idempotency-key": bad },
        body: JSON.stringify({ params: { text: "x" } }),
      });
      assert.equal(res.status, 400, bad);
      assert.equal((await res.json()).error.code, "idempotency.key_invalid");
    }
  });

  test("keys are kept 24 h, then pruned and reusable", async () => {
    const key = "old-key";
    const first = await (
      await t.post(
        "/api/v1/actions/credit_inline/runs",
        { params: { account: "acc_old", amount: 1 } },
        { ...alice.headers, "idempotency-key": key },
      )
    ).json();
    const stored = await t.airlock.database.pool.query(
      "SELECT extract(epoch FROM expires_at - created_at)::int AS ttl FROM airlock.idempotency_keys WHERE actor_id = $1 AND key = $2",
      [alice.id, key],
    );
    assert.equal(stored.rows[0].ttl, 24 * 3600);
    const client = await ownerClient(t.database.url);
    try {
      await client.query(
        "UPDATE airlock.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
        [key],
      );
    } finally {
      await client.end();
    }
    const second = await (
      await t.post(
        "/api/v1/actions/credit_inline/runs",
        { params: { account: "acc_old", amount: 1 } },
        { ...alice.headers, "idempotency-key": key },
      )
    ).json();
    assert.notEqual(second.id, first.id, "an expired key starts a new run");
    const client2 = await ownerClient(t.database.url);
    try {
      await client2.query(
        "UPDATE airlock.idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
        [key],
      );
    } finally {
      await client2.end();
    }
    assert.ok((await pruneKeys(t.airlock.database.pool)) >= 1);
    const left = await t.airlock.database.pool.query(
      "SELECT 1 FROM airlock.idempotency_keys WHERE key = $1",
      [key],
    );
    assert.equal(left.rowCount, 0);
  });
});
