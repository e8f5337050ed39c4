// The reliability promise: on a log of 100,000 events, 1,000 random edits, deletions, insertions,
// reorderings and seal edits are all detected, with the first bad record named; 0 false alarms.
//
// Each tampering runs as the owner (a superuser, what a rogue DBA has) inside a transaction that
// is rolled back after verifying on that same connection. Verifying all 100k events 1,000 times
// would take minutes, so each tampering is verified over the seals around it (verify's
// fromSeal/toSeal: the seal before the range is trusted as its anchor), and every 100th one is
// also verified in full, which must name the same record. Seals hold 499 events, so a seal cuts
// through transactions and the chain continues inside one txid.
// AUDIT_TAMPER_SEED=<n> replays a run.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type pg from "pg";
import { generateSigningKeyPair } from "../../src/audit/seal-key.ts";
import { createSealer } from "../../src/audit/sealer.ts";
import { verifyAudit } from "../../src/audit/verify.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { ownerClient } from "../../src/store/database.ts";
import { sealAll } from "../support/seal-all.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { mulberry32, planTamper, type SealedLog } from "./tamper-ops.ts";

const EVENTS = 100_000;
const TAMPERINGS = 1_000;
const SEAL_SIZE = 499;
const keys = generateSigningKeyPair();
let db: TestDatabase;
let owner: pg.Client;

before(async () => {
  db = await createTestDatabase();
  owner = await ownerClient(db.url);
});
after(async () => {
  await owner.end();
  await db.drop();
});

// Transactions of 1..100 events, as requests write them; fifty transactions go in one round trip
// (a multi-statement string runs each BEGIN … COMMIT as its own transaction, with its own txid).
async function buildLog(rng: () => number): Promise<void> {
  let written = 0;
  let batch: string[] = [];
  for (let t = 0; written < EVENTS; t++) {
    const size = Math.min(EVENTS - written, 1 + Math.floor(rng() * 100));
    batch.push(`BEGIN; ${insertSql(t, size)}; COMMIT;`);
    written += size;
    if (batch.length === 50 || written === EVENTS) {
      await owner.query(batch.join("\n"));
      batch = [];
    }
  }
}

function insertSql(t: number, size: number): string {
  return `INSERT INTO airlock.audit_events (type, outcome, actor_id, actor_kind, on_behalf_of, action,
      action_version, target_type, target_id, run_id, approval_request_id, request_id, idempotency_key,
      error_code, reason, params, data, client_ip, user_agent)
    SELECT (ARRAY['run.requested','run.succeeded','run.failed','approval.approved'])[1 + (g + ${t}) % 4],
      (ARRAY['success','failure','denied','pending','info'])[1 + (g + ${t}) % 5],
      'usr_' || ((g + ${t}) % 97), CASE WHEN g % 3 = 0 THEN 'service' ELSE 'human' END,
      CASE WHEN g % 10 = 0 THEN 'usr_boss' WHEN g % 10 = 1 THEN '' END,
      'refund_payment', '2', 'payment', 'pay_' || (${t} * 1000 + g), 'run_${t}',
      CASE WHEN g % 4 = 0 THEN 'apr_${t}' END, 'req_${t}_' || g, 'idem-${t}',
      CASE WHEN g % 5 = 1 THEN 'domain.insufficient_funds' END,
      CASE WHEN g % 7 = 0 THEN E'multi\\nline\\treason \\\\ ' || g ELSE 'ticket ' || g END,
      jsonb_build_object('amount', g * 1.25, 'currency', 'EUR', 'card', '**** 4242', 'tags', jsonb_build_array('a', g)),
      CASE WHEN g % 2 = 0 THEN '{"before": {"status": "captured"}, "after": {"status": "refunded"}}'::jsonb
           WHEN g % 5 = 1 THEN 'null'::jsonb END,
      '10.0.${t % 255}.' || (g % 255), 'Mozilla/5.0 (X11; Linux x86_64)'
    FROM generate_series(1, ${size}) g`;
}

async function loadModel(): Promise<SealedLog> {
  const rows = await owner.query(
    "SELECT id::text AS id, txid::text AS txid FROM airlock.audit_events e ORDER BY e.txid, e.id",
  );
  const seals = await owner.query("SELECT id, event_count FROM airlock.audit_seals ORDER BY id");
  const sealOf: number[] = [];
  for (const seal of seals.rows) for (let i = 0; i < seal.event_count; i++) sealOf.push(Number(seal.id));
  const ids = rows.rows.map((r) => r.id as string);
  const txids = rows.rows.map((r) => BigInt(r.txid));
  const groupStart: number[] = new Array(ids.length);
  const groupEnd: number[] = new Array(ids.length);
  for (let p = 0; p < ids.length; p++) {
    groupStart[p] = p > 0 && txids[p - 1] === txids[p] ? groupStart[p - 1]! : p;
  }
  for (let p = ids.length - 1; p >= 0; p--) {
    groupEnd[p] = p < ids.length - 1 && txids[p + 1] === txids[p] ? groupEnd[p + 1]! : p;
  }
  return { ids, txids, sealOf, seals: seals.rowCount ?? 0, groupStart, groupEnd };
}

// Its own time limit: on a busy 2-core CI machine the build, seal and 1,000 verifications take
// up to a few minutes, beyond the suite's default.
test("1,000 random tamperings of a sealed 100,000-event log are all detected, first bad record named", {
  timeout: 900_000,
}, async (t) => {
  const seed = Number(process.env.AUDIT_TAMPER_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed}`);
  const rng = mulberry32(seed);
  let started = performance.now();
  await buildLog(rng);
  t.diagnostic(`built ${EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  const sealer = createSealer({
    url: db.url,
    log: createLogger({ level: "silent" }),
    signingKey: keys.privateKey,
    batchSize: SEAL_SIZE,
  });
  const sealed = await sealAll(sealer, owner);
  await sealer.stop();
  const sealMs = performance.now() - started;
  t.diagnostic(
    `sealed ${sealed} events in ${sealMs.toFixed(0)} ms (${Math.round(sealed / (sealMs / 1000))} events/s)`,
  );
  assert.equal(sealed, EVENTS);

  // No false alarms on the clean log, on the app role's connection and the owner's.
  for (const via of ["app role", "owner"] as const) {
    started = performance.now();
    const clean = await verifyAudit(
      via === "owner"
        ? { client: owner, publicKeys: [keys.publicKey] }
        : { url: db.url, publicKeys: [keys.publicKey] },
    );
    const ms = performance.now() - started;
    assert.deepEqual(clean.ok && [clean.events, clean.unsealed], [EVENTS, 0], JSON.stringify(clean));
    t.diagnostic(
      `full verify (${via}): ${EVENTS} events in ${ms.toFixed(0)} ms = ${Math.round(EVENTS / (ms / 1000))} events/s`,
    );
  }

  const log = await loadModel();
  const counts = new Map<string, number>();
  let detected = 0;
  let full = 0;
  let rangeMs = 0;
  started = performance.now();
  for (let i = 0; i < TAMPERINGS; i++) {
    const tamper = planTamper(log, rng, i);
    const fromSeal = Math.max(1, log.sealOf[tamper.window[0]]! - 1);
    const toSeal = Math.min(log.seals, log.sealOf[tamper.window[1]]! + 1);
    await owner.query("BEGIN");
    try {
      for (const statement of tamper.statements) await owner.query(statement.text, statement.values);
      const before = performance.now();
      const result = await verifyAudit({ client: owner, fromSeal, toSeal, publicKeys: [keys.publicKey] });
      rangeMs += performance.now() - before;
      const context = `#${i} ${tamper.label} (seed ${seed}): ${JSON.stringify(result)}`;
      assert.equal(result.ok, false, `undetected: ${context}`);
      const { kind, sealId, eventId } = !result.ok ? result.problem : ({} as never);
      assert.deepEqual({ kind, sealId, eventId }, tamper.expected, context);
      if (i % 100 === 0) {
        const whole = await verifyAudit({ client: owner, publicKeys: [keys.publicKey] });
        assert.deepEqual(
          !whole.ok && whole.problem,
          !result.ok && result.problem,
          `full verify of ${context}`,
        );
        full++;
      }
      detected++;
      counts.set(tamper.label, (counts.get(tamper.label) ?? 0) + 1);
    } finally {
      await owner.query("ROLLBACK");
    }
  }
  const elapsed = performance.now() - started;
  t.diagnostic(
    `detected ${detected}/${TAMPERINGS} tamperings in ${(elapsed / 1000).toFixed(1)} s ` +
      `(range verify avg ${(rangeMs / TAMPERINGS).toFixed(1)} ms; ${full} also verified in full)`,
  );
  t.diagnostic(
    [...counts]
      .sort()
      .map(([label, n]) => `${label}: ${n}`)
      .join(", "),
  );
  assert.equal(detected, TAMPERINGS);

  const after = await verifyAudit({ url: db.url, publicKeys: [keys.publicKey] });
  assert.equal(after.ok, true, "every tampering was rolled back: the log verifies again");
});
