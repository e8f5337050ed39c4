// The audit side of a run's page (the six questions: who, what target, which grant, approved by
// whom, what changed, which logs): the run's events in chain order, and for each whether it is
// sealed and still matches its seal, so the page can say "these events verify". This checks the
// events against their seals only; `airlock audit verify` checks the seals' chain as well.

import type { Queryable } from "../store/queryable.ts";
import { type AuditEventRecord, RECORD_FIELDS, RECORD_SELECT, toRecord } from "./audit-record.ts";
import { CANONICAL_TEXT_SELECT, type ChainPosition, canonicalLine, eventHash } from "./seal-scheme.ts";

export type EventSealStatus =
  /** Sealed, and the event's current hash equals the one sealed. */
  | "verified"
  /** Sealed, but the event changed since. */
  | "modified"
  /** Inside the sealed range but in no seal: inserted after sealing. */
  | "not_in_seal"
  /** After the last seal: the sealer has not reached it yet (normally under a second). */
  | "pending"
  /** A seal it should be in is missing: the chain is broken (verify names where). */
  | "seal_missing";

export interface RunAuditTrail {
  runId: string;
  approvalRequestId: string | null;
  events: { event: AuditEventRecord; sealId: number | null; status: EventSealStatus }[];
  /** Every event is sealed and verified. */
  verified: boolean;
}

interface SealBounds {
  id: number;
  lastTxid: bigint;
  lastEventId: bigint;
}

export async function auditTrailOfRun(db: Queryable, runId: string): Promise<RunAuditTrail> {
  // audit_events_run_idx (partial, run_id IS NOT NULL) serves this.
  const result = await db.query({
    text: `SELECT ${RECORD_SELECT}, ${CANONICAL_TEXT_SELECT} FROM airlock.audit_events
            WHERE run_id = $1 ORDER BY txid, id`,
    values: [runId],
    rowMode: "array",
  });
  const width = RECORD_FIELDS.length;
  const finder = sealFinder(db);
  const events: RunAuditTrail["events"] = [];
  for (const row of result.rows as (string | null)[][]) {
    const event = toRecord(row.slice(0, width));
    const line = canonicalLine(row.slice(width));
    const seal = await finder({ txid: event.txid, id: event.id });
    if (seal === "missing" || seal === null) {
      events.push({ event, sealId: null, status: seal === null ? "pending" : "seal_missing" });
      continue;
    }
    const sealed = await db.query(
      `SELECT substring(event_hashes FROM (p - 1) * 32 + 1 FOR 32) AS hash
         FROM airlock.audit_seals, array_position(event_ids, $2::bigint) AS p WHERE id = $1 AND p IS NOT NULL`,
      [seal.id, event.id],
    );
    const hash: Buffer | undefined = sealed.rows[0]?.hash;
    const status = !hash
      ? "not_in_seal"
      : eventHash(line) === hash.toString("latin1")
        ? "verified"
        : "modified";
    events.push({ event, sealId: seal.id, status });
  }
  return {
    runId,
    approvalRequestId: events.find((e) => e.event.approvalRequestId)?.event.approvalRequestId ?? null,
    events,
    verified: events.every((e) => e.status === "verified"),
  };
}

// Seals are numbered 1..n in chain order, so the seal holding a position is found by binary
// search on the primary key (a few lookups) rather than by scanning every seal's id list.
function sealFinder(db: Queryable) {
  const cache = new Map<number, SealBounds | null>();
  let count: number | null = null;
  const probe = async (id: number): Promise<SealBounds | null> => {
    if (!cache.has(id)) {
      const row = (
        await db.query(
          "SELECT last_txid::text AS txid, last_event_id::text AS id FROM airlock.audit_seals WHERE id = $1",
          [id],
        )
      ).rows[0];
      cache.set(id, row ? { id, lastTxid: BigInt(row.txid), lastEventId: BigInt(row.id) } : null);
    }
    return cache.get(id)!;
  };
  const before = (seal: SealBounds, txid: bigint, id: bigint) =>
    seal.lastTxid < txid || (seal.lastTxid === txid && seal.lastEventId < id);

  return async (position: ChainPosition): Promise<SealBounds | null | "missing"> => {
    count ??= Number((await db.query("SELECT coalesce(max(id), 0) AS n FROM airlock.audit_seals")).rows[0].n);
    const txid = BigInt(position.txid);
    const id = BigInt(position.id);
    let lo = 1;
    let hi = count;
    if (hi < 1) return null;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const seal = await probe(mid);
      if (!seal) return "missing";
      if (before(seal, txid, id)) lo = mid + 1;
      else hi = mid;
    }
    const seal = await probe(lo);
    if (!seal) return "missing";
    return before(seal, txid, id) ? null : seal;
  };
}
