// How far audit sealing is behind, for the metrics scrape (observe/state-gauges.ts): the age of
// the first audit event after the last seal, in chain order (txid, id), which is the event that
// has waited longest to be sealed. Reads one row through audit_events_chain_idx.
import type { Queryable } from "../store/queryable.ts";

export async function unsealedAuditStats(db: Queryable): Promise<{ oldestSeconds: number }> {
  const result = await db.query<{ oldest: number | null }>(
    `WITH last AS (SELECT last_txid, last_event_id FROM airlock.audit_seals ORDER BY id DESC LIMIT 1)
     SELECT extract(epoch FROM now() - e.occurred_at)::float8 AS oldest
       FROM airlock.audit_events e
      WHERE NOT EXISTS (SELECT 1 FROM last)
         OR (e.txid, e.id) > (SELECT last_txid, last_event_id FROM last)
      ORDER BY e.txid, e.id
      LIMIT 1`,
  );
  return { oldestSeconds: Math.max(0, result.rows[0]?.oldest ?? 0) };
}
