import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { AuditEventInput } from "../../src/audit/audit-event.ts";
import { appendAudit } from "../../src/audit/audit-writer.ts";
import { createSealer, type Sealer } from "../../src/audit/sealer.ts";
import { type VerifyResult, verifyAudit } from "../../src/audit/verify.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { type Database, openDatabase, ownerClient } from "../../src/store/database.ts";
import { sealAll as sealEverything } from "../support/seal-all.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let app: Database;
let owner: pg.Client;
let sealer: Sealer;
const log = createLogger({ level: "silent" });

before(async () => {
  db = await createTestDatabase();
  app = openDatabase({ url: db.url, max: 10 });
  owner = await ownerClient(db.url);
  sealer = createSealer({ url: db.url, log, batchSize: 97 });
  const events = (t: number): AuditEventInput[] =>
    Array.from({ length: 20 }, (_, i) => ({
      type: "run.succeeded",
      outcome: "success",
      actorId: `usr_${t}`,
      params: { i },
    }));
  for (let t = 0; t < 250; t++) await appendAudit(app.pool, events(t));
  await sealAll();
});
after(async () => {
  await sealer.stop();
  await owner.end();
  await app.close();
  await db.drop();
});

async function sealAll(): Promise<void> {
  await sealEverything(sealer, owner);
}

const problemOf = (result: VerifyResult) => (result.ok ? null : result.problem);
async function eventOfSeal(seal: number, index: number): Promise<string> {
  const row = await owner.query("SELECT event_ids[$2]::text AS id FROM airlock.audit_seals WHERE id = $1", [
    seal,
    index,
  ]);
  return row.rows[0].id;
}

test("chunks verified side by side report the same first bad record as one sequential walk", async () => {
  const clean = await verifyAudit({ url: db.url, connections: 3, groupEvents: 300 });
  assert.deepEqual(clean.ok && [clean.events, clean.seals, clean.unsealed], [5000, 52, 0]);

  const edited = await eventOfSeal(40, 5);
  const original = (await owner.query("SELECT params FROM airlock.audit_events WHERE id = $1", [edited]))
    .rows[0].params;
  await owner.query("UPDATE airlock.audit_events SET params = '{\"i\": -1}' WHERE id = $1", [edited]);
  const sequential = async () => {
    const client = await ownerClient(db.url);
    try {
      return await verifyAudit({ client });
    } finally {
      await client.end();
    }
  };
  try {
    const parallel = await verifyAudit({ url: db.url, connections: 3, groupEvents: 300 });
    assert.deepEqual(problemOf(parallel), {
      ...problemOf(parallel)!,
      kind: "edited",
      sealId: 40,
      eventId: edited,
    });
    assert.deepEqual(problemOf(await sequential()), problemOf(parallel));
    assert.equal(!parallel.ok && parallel.events, 39 * 97 + 4, "counts the events verified before it");

    // A broken seal earlier in the chain comes first, whichever connection met it.
    await owner.query("UPDATE airlock.audit_seals SET root = reverse(root) WHERE id = 12");
    const both = await verifyAudit({ url: db.url, connections: 3, groupEvents: 300 });
    assert.deepEqual([problemOf(both)?.kind, problemOf(both)?.sealId], ["seal_broken", 12]);
    assert.deepEqual(problemOf(await sequential()), problemOf(both));
  } finally {
    await owner.query("UPDATE airlock.audit_seals SET root = reverse(root) WHERE id = 12");
    await owner.query("UPDATE airlock.audit_events SET params = $2 WHERE id = $1", [edited, original]);
  }
  assert.equal((await verifyAudit({ url: db.url })).ok, true);
});

test("ranges: fromSeal/toSeal verify only those seals, trusting the seal before as the anchor", async () => {
  const range = await verifyAudit({ url: db.url, fromSeal: 10, toSeal: 12 });
  assert.deepEqual(range.ok && [range.events, range.seals, range.lastSeal?.id], [3 * 97, 3, 12]);
  const beyond = await verifyAudit({ url: db.url, fromSeal: 60 });
  assert.deepEqual(beyond.ok && [beyond.events, beyond.seals], [0, 0]);
  const tail = await verifyAudit({ url: db.url, fromSeal: 52 });
  assert.deepEqual(tail.ok && [tail.events, tail.unsealed], [5000 - 51 * 97, 0]);
});

test("cutting off the newest seals is caught only against an anchored root kept elsewhere", async () => {
  const clean = await verifyAudit({ url: db.url });
  assert.ok(clean.ok && clean.lastSeal);
  const anchor = clean.lastSeal;
  await owner.query(
    `CREATE TEMP TABLE saved_seal AS SELECT * FROM airlock.audit_seals WHERE id = ${Number(anchor.id)}`,
  );
  const saved = await owner.query("SELECT event_count FROM saved_seal");
  await owner.query("DELETE FROM airlock.audit_seals WHERE id = $1", [anchor.id]);
  try {
    const cut = await verifyAudit({ url: db.url });
    assert.deepEqual(cut.ok && cut.unsealed, saved.rows[0].event_count, "looks like events not sealed yet");
    const anchored = await verifyAudit({ url: db.url, anchor });
    assert.deepEqual([problemOf(anchored)?.kind, problemOf(anchored)?.sealId], ["seal_broken", anchor.id]);
    // Resealing those events makes a new last seal, but not the anchored root.
    await sealAll();
    const resealed = await verifyAudit({ url: db.url, anchor });
    assert.deepEqual(problemOf(resealed)?.detail, "its root differs from the anchored root");
  } finally {
    await owner.query("DELETE FROM airlock.audit_seals WHERE id = $1", [anchor.id]);
    await owner.query("INSERT INTO airlock.audit_seals SELECT * FROM saved_seal");
  }
  assert.equal((await verifyAudit({ url: db.url, anchor })).ok, true);
});

test("verifying while writers append and the sealer seals never raises a false alarm", async () => {
  const running = createSealer({ url: db.url, log, intervalMs: 10, batchSize: 50 });
  running.start();
  let stop = false;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    while (!stop) {
      await appendAudit(app.pool, [{ type: "run.started", outcome: "info", actorId: `usr_w${w}` }]);
      await sleep(1);
    }
  });
  try {
    for (let i = 0; i < 5; i++) {
      const result = await verifyAudit({ url: db.url, connections: 2, groupEvents: 400 });
      assert.equal(result.ok, true, JSON.stringify(result));
    }
  } finally {
    stop = true;
    await Promise.all(writers);
    await running.stop();
  }
});
