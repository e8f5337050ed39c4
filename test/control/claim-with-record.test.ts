// A run whose idempotency key's claim is confirmed with its record (`claimWithRecord`, a runbook's
// action step): its handler does not wait for the claim's answer, and the key still decides
// which run commits. Through the control layer's front door, with an action whose effect is not
// keyed by anything of its own (a row per run), so only the key's claim can keep it to one.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RunRequest } from "../../src/control/pipeline-context.ts";
import { loadPrincipal } from "../../src/identity/load-principal.ts";
import type { Principal } from "../../src/identity/principal.ts";
import { newId } from "../../src/ids/ids.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createFixtureSchema } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser } from "../support/users.ts";

const workspace = defineWorkspace({
  name: "claim-with-record",
  actions: [
    defineAction({
      name: "tally",
      title: "Tally",
      tags: ["tools"],
      execution: "inline",
      params: z.object({ account: z.string(), amount: z.number().int() }),
      async handler(p, ctx) {
        await ctx.db.query(
          "INSERT INTO fixture.effects (run_id, account, amount, reference) VALUES ($1, $2, $3, $1)",
          [ctx.runId, p.account, p.amount],
        );
        return { account: p.account };
      },
    }),
  ],
  roles: { operator: { groups: ["operators"] } },
  grants: [{ to: "operator", verbs: ["view", "run"], on: { tag: "tools" } }],
});

describe("a key claim confirmed with the run's record", () => {
  let t: TestAirlock;
  let alice: Principal;

  before(async () => {
    t = await startTestAirlock({ workspace, prepare: createFixtureSchema });
    const user = await createUser(t.airlock.database.pool, { groups: ["operators"] });
    alice = (await loadPrincipal(t.airlock.database.pool, user.id, "session"))!;
  });
  after(async () => {
    await t.close();
  });

  const credit = (account: string, amount: number, key: string): RunRequest => ({
    channel: "runbook",
    principal: alice,
    actionName: "tally",
    params: { account, amount },
    idempotencyKey: key,
    reason: null,
    trace: null,
    client: { clientIp: null, userAgent: "test" },
    claimWithRecord: true,
  });

  async function count(sql: string, values: unknown[]): Promise<number> {
    const owner = await ownerClient(t.database.url);
    try {
      return (await owner.query<{ n: number }>(sql, values)).rows[0]!.n;
    } finally {
      await owner.end();
    }
  }
  const effects = (account: string) =>
    count("SELECT count(*)::int AS n FROM fixture.effects WHERE account = $1", [account]);

  test("two executions with one key at once: one run and one effect commit, and both answer that run", async () => {
    const control = t.airlock.control;
    const key = `both-${newId("key")}`;
    const [a, b] = await Promise.all([
      control.submit(credit("acc_twice", 7, key), { waitMs: 0 }),
      control.submit(credit("acc_twice", 7, key), { waitMs: 0 }),
    ]);
    assert.equal(a.kind, "run");
    assert.equal(b.kind, "run");
    if (a.kind !== "run" || b.kind !== "run") return;
    assert.equal(a.run.id, b.run.id, "the second answers with the first's run");
    assert.equal(a.run.status, "succeeded");
    assert.deepEqual([a.replayed, b.replayed].sort(), [false, true]);
    assert.equal(await effects("acc_twice"), 1);
    assert.equal(
      await count("SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key = $1", [key]),
      1,
    );
    const pool = t.airlock.database.pool;
    assert.equal(pool.totalCount - pool.idleCount, 0, "every connection is back in the pool");
  });

  test("a key taken by a committed run with other parameters: idempotency.mismatch, and nothing of the second run commits", async () => {
    const control = t.airlock.control;
    const key = `other-${newId("key")}`;
    const first = await control.submit(credit("acc_first", 5, key), { waitMs: 0 });
    assert.equal(first.kind, "run");
    const second = await control.submit(credit("acc_second", 6, key), { waitMs: 0 });
    assert.equal(second.kind, "refused");
    if (second.kind === "refused") assert.equal(second.error.code, "idempotency.mismatch");
    assert.equal(await effects("acc_second"), 0);
    assert.equal(
      await count("SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key = $1", [key]),
      1,
    );
  });

  test("a key held by a transaction that does not end: idempotency.in_progress after the lock wait, nothing committed", async () => {
    const key = `held-${newId("key")}`;
    const holder = await ownerClient(t.database.url);
    try {
      await holder.query("BEGIN");
      // Holds the key's index entry, as a run still executing would (its run never commits).
      await holder.query(
        `INSERT INTO airlock.idempotency_keys (actor_id, key, action, params_hash, run_id, expires_at)
         VALUES ($1, $2, 'tally', 'x', $3, now() + interval '1 hour')`,
        [alice.id, key, newId("run")],
      );
      const started = Date.now();
      const result = await t.airlock.control.submit(credit("acc_held", 4, key), { waitMs: 0 });
      assert.equal(result.kind, "refused");
      if (result.kind === "refused") assert.equal(result.error.code, "idempotency.in_progress");
      assert.ok(Date.now() - started >= 1_900, "answered once the claim's lock wait ended");
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    assert.equal(await effects("acc_held"), 0);
    assert.equal(
      await count("SELECT count(*)::int AS n FROM airlock.runs WHERE idempotency_key = $1", [key]),
      0,
    );
    // The key is free again once its holder is gone: the same request now runs.
    const again = await t.airlock.control.submit(credit("acc_held", 4, key), { waitMs: 0 });
    assert.equal(again.kind, "run");
    assert.equal(await effects("acc_held"), 1);
  });
});
