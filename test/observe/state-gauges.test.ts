// The queue and approval gauges a Prometheus scrape reads from PostgreSQL: runs waiting for a
// worker (none runs them here: AIRLOCK_WORKER_CONCURRENCY=0) and requests waiting for a decision,
// each with the age of the oldest.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const workspace = defineWorkspace({
  name: "gauges",
  actions: [
    defineAction({
      name: "slow_lane",
      title: "Slow lane",
      tags: ["ops"],
      params: z.object({ amount: z.number().int() }),
      approval: { when: (p) => p.amount > 100, reviewers: { groups: ["managers"] } },
      handler: async () => ({ ok: true }),
    }),
  ],
  roles: { operators: { groups: ["operators"] } },
  grants: [{ to: "operators", verbs: ["view", "run"], on: { tag: "ops" } }],
});

let t: TestAirlock;
let operator: TestUser;

before(async () => {
  t = await startTestAirlock({
    workspace,
    env: { AIRLOCK_WORKER_CONCURRENCY: "0", AIRLOCK_RUN_WAIT_MS: "0" },
  });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
});
after(() => t.close());

function gauge(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(" ")[1]);
}

test("queued runs and pending approvals are counted, with the age of the oldest", async () => {
  const empty = await (await t.request("/metrics")).text();
  assert.equal(gauge(empty, "airlock_runs_queued"), 0);
  assert.equal(gauge(empty, "airlock_runs_queued_oldest_seconds"), 0);
  assert.equal(gauge(empty, "airlock_approvals_pending"), 0);

  for (const amount of [1, 2, 500]) {
    const response = await t.post("/api/v1/actions/slow_lane/runs", { params: { amount } }, operator.headers);
    assert.equal(response.status, 202);
  }
  await new Promise((r) => setTimeout(r, 1100));
  const text = await (await t.request("/metrics")).text();
  assert.equal(gauge(text, "airlock_runs_queued"), 2);
  assert.ok(gauge(text, "airlock_runs_queued_oldest_seconds") >= 1);
  assert.equal(gauge(text, "airlock_approvals_pending"), 1);
  assert.ok(gauge(text, "airlock_approvals_pending_oldest_seconds") >= 1);
});
