// The queue and approval gauges a Prometheus scrape reads from PostgreSQL: runs waiting for a
// worker (none runs them here: AIRLOCK_WORKER_CONCURRENCY=0) and requests waiting for a decision,
// each with the age of the oldest; how long approvals waited for their decision; how far audit
// sealing is behind.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { appendAudit } from "../../src/audit/audit-writer.ts";
import { createSealer } from "../../src/audit/sealer.ts";
import { unsealedAuditStats } from "../../src/audit/unsealed-audit-stats.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { openDatabase } from "../../src/store/database.ts";
import { sealAll } from "../support/seal-all.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createTestDatabase } from "../support/test-database.ts";
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
  roles: { operators: { groups: ["operators"] }, managers: { groups: ["managers"] } },
  grants: [
    { to: "operators", verbs: ["view", "run"], on: { tag: "ops" } },
    { to: "managers", verbs: ["view", "approve"], on: { tag: "ops" } },
  ],
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

test("an approval's wait is observed when its decision commits, by subject and decision", async () => {
  const manager = await createUser(t.airlock.database.pool, { groups: ["managers"] });
  const submitted = await t.post(
    "/api/v1/actions/slow_lane/runs",
    { params: { amount: 900 } },
    { ...operator.headers, "idempotency-key": "wait-1" },
  );
  const run = await submitted.json();
  assert.equal(run.status, "pending_approval", JSON.stringify(run));
  await new Promise((r) => setTimeout(r, 1100));
  const approved = await t.post(`/api/v1/approvals/${run.approvalRequestId}/approve`, {}, manager.headers);
  assert.equal(approved.status, 200, await approved.clone().text());
  const text = await (await t.request("/metrics")).text();
  const labels = '{subject="run",decision="approved"}';
  assert.equal(gauge(text, `airlock_approval_wait_seconds_count${labels}`), 1);
  const waited = gauge(text, `airlock_approval_wait_seconds_sum${labels}`);
  console.log(`approval wait observed: ${waited.toFixed(2)} s`);
  assert.ok(waited >= 1, `the request waited at least 1 s (${waited})`);
});

test("seal lag: the oldest unsealed audit event's age rises while nothing seals and is 0 once sealed", async () => {
  // A database of its own, with no sealer running until the test starts one.
  const db = await createTestDatabase();
  const app = openDatabase({ url: db.url, max: 2 });
  const sealer = createSealer({ url: db.url, log: createLogger({ level: "silent" }) });
  try {
    assert.equal((await unsealedAuditStats(app.pool)).oldestSeconds, 0, "no events: nothing waits");
    await appendAudit(app.pool, [{ type: "run.started", outcome: "info", actorId: "usr_lag" }]);
    await new Promise((r) => setTimeout(r, 1100));
    const behind = (await unsealedAuditStats(app.pool)).oldestSeconds;
    assert.ok(behind >= 1, `an unsealed event has waited at least 1 s (${behind})`);
    await sealAll(sealer, app.pool);
    assert.equal((await unsealedAuditStats(app.pool)).oldestSeconds, 0, "sealed: nothing waits");
    await appendAudit(app.pool, [{ type: "run.started", outcome: "info", actorId: "usr_lag" }]);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await unsealedAuditStats(app.pool)).oldestSeconds >= 1, "an event after the last seal waits");
  } finally {
    await sealer.stop();
    await app.close();
    await db.drop();
  }
  // The instance's own gauge is exported (its sealer runs, so it reads near 0).
  const text = await (await t.request("/metrics")).text();
  assert.ok(gauge(text, "airlock_audit_unsealed_oldest_seconds") >= 0);
});
