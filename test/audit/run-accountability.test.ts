import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AuditEventInput } from "../../src/audit/audit-event.ts";
import { appendAudit } from "../../src/audit/audit-writer.ts";
import { auditTrailOfRun } from "../../src/audit/run-accountability.ts";
import { createSealer, type Sealer } from "../../src/audit/sealer.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { type Database, openDatabase, ownerClient } from "../../src/store/database.ts";
import { sealAll as sealEverything } from "../support/seal-all.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let app: Database;
let sealer: Sealer;
before(async () => {
  db = await createTestDatabase();
  app = openDatabase({ url: db.url, max: 3 });
  sealer = createSealer({ url: db.url, log: createLogger({ level: "silent" }), batchSize: 5 });
});
after(async () => {
  await sealer.stop();
  await app.close();
  await db.drop();
});

const runEvent = (type: AuditEventInput["type"], runId: string, extra: Partial<AuditEventInput> = {}) =>
  ({ type, outcome: "info", runId, actorId: "usr_ada", action: "refund", ...extra }) as AuditEventInput;

async function sealAll(): Promise<void> {
  await sealEverything(sealer, app.pool);
}

test("a run's events in order, each sealed and matching its seal, then a tampered one stands out", async () => {
  // Other runs' events around it, so the run's events land in several seals.
  for (let i = 0; i < 12; i++) await appendAudit(app.pool, [runEvent("run.requested", `run_other_${i}`)]);
  await appendAudit(app.pool, [
    runEvent("run.requested", "run_1", { approvalRequestId: "apr_1", outcome: "pending" }),
    runEvent("approval.requested", "run_1", { approvalRequestId: "apr_1", outcome: "pending" }),
  ]);
  for (let i = 12; i < 20; i++) await appendAudit(app.pool, [runEvent("run.requested", `run_other_${i}`)]);
  await appendAudit(app.pool, [
    runEvent("approval.approved", "run_1", { actorId: "usr_bob", approvalRequestId: "apr_1" }),
  ]);
  await appendAudit(app.pool, [runEvent("run.started", "run_1")]);
  await sealAll();
  await appendAudit(app.pool, [runEvent("run.succeeded", "run_1", { outcome: "success" })]);

  let trail = await auditTrailOfRun(app.pool, "run_1");
  assert.equal(trail.approvalRequestId, "apr_1");
  assert.deepEqual(
    trail.events.map((e) => [e.event.type, e.status]),
    [
      ["run.requested", "verified"],
      ["approval.requested", "verified"],
      ["approval.approved", "verified"],
      ["run.started", "verified"],
      ["run.succeeded", "pending"],
    ],
  );
  assert.equal(trail.verified, false, "not all sealed yet");
  assert.ok(new Set(trail.events.map((e) => e.sealId).filter(Boolean)).size >= 2, "spread over seals");
  await sealAll();
  trail = await auditTrailOfRun(app.pool, "run_1");
  assert.equal(trail.verified, true);

  const owner = await ownerClient(db.url);
  try {
    await owner.query("BEGIN");
    await owner.query(
      "UPDATE airlock.audit_events SET actor_id = 'usr_mallory' WHERE type = 'approval.approved'",
    );
    const approved = trail.events[2]!.event;
    await owner.query(
      `INSERT INTO airlock.audit_events (id, txid, type, outcome, run_id) OVERRIDING SYSTEM VALUE
       VALUES ($1, $2::xid8, 'run.cancelled', 'info', 'run_1')`,
      [Number(approved.id) + 100_000, approved.txid],
    );
    const tampered = await auditTrailOfRun(owner, "run_1");
    assert.deepEqual(
      tampered.events.map((e) => [e.event.type, e.status]),
      [
        ["run.requested", "verified"],
        ["approval.requested", "verified"],
        ["approval.approved", "modified"],
        ["run.cancelled", "not_in_seal"],
        ["run.started", "verified"],
        ["run.succeeded", "verified"],
      ],
    );
    assert.equal(tampered.verified, false);
  } finally {
    await owner.query("ROLLBACK");
    await owner.end();
  }
  assert.deepEqual(await auditTrailOfRun(app.pool, "run_none"), {
    runId: "run_none",
    approvalRequestId: null,
    events: [],
    verified: true,
  });
});
