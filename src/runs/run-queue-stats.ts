// How many runs wait in the action queue and how long the oldest has waited, for the metrics
// scrape (observe/state-gauges.ts). Reads the partial index runs_queued_idx (migration 0061).
import type { Queryable } from "../store/queryable.ts";

export interface WaitingStats {
  count: number;
  /** Seconds the oldest has waited; 0 when none waits. */
  oldestSeconds: number;
}

export async function queuedRunStats(db: Queryable): Promise<WaitingStats> {
  const result = await db.query<{ count: string; oldest: number | null }>(
    `SELECT count(*) AS count, extract(epoch FROM now() - min(queued_at))::float8 AS oldest
       FROM airlock.runs WHERE status = 'queued'`,
  );
  const row = result.rows[0];
  return { count: Number(row?.count ?? 0), oldestSeconds: Math.max(0, row?.oldest ?? 0) };
}
