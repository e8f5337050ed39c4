// How many approval requests wait for a decision and how long the oldest has waited, for the
// metrics scrape (observe/state-gauges.ts). Reads the partial index approval_requests_pending_idx.
import type { Queryable } from "../store/queryable.ts";

export async function pendingApprovalStats(db: Queryable): Promise<{ count: number; oldestSeconds: number }> {
  const result = await db.query<{ count: string; oldest: number | null }>(
    `SELECT count(*) AS count, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM airlock.approval_requests WHERE status = 'pending'`,
  );
  const row = result.rows[0];
  return { count: Number(row?.count ?? 0), oldestSeconds: Math.max(0, row?.oldest ?? 0) };
}
