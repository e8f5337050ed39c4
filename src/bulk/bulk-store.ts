// Batches and their items in SQL. A batch's status moves only by compare-and-set (`moveBatch`),
// the statuses and their moves being the table below; items are written in bulk (unnest) so a
// 10,000-item batch costs a handful of statements, not 10,000.
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import type { StoredItem } from "./bulk-item-values.ts";

export const BATCH_STATUSES = [
  "pending_approval",
  "running",
  "paused",
  "succeeded",
  "failed",
  "stopped",
  "cancelled",
  "rejected",
  "expired",
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export type ItemStatus = "pending" | "succeeded" | "failed" | "skipped";

const MOVES: Record<BatchStatus, readonly BatchStatus[]> = {
  pending_approval: ["running", "rejected", "expired", "cancelled"],
  running: ["paused", "succeeded", "failed", "stopped", "cancelled"],
  paused: ["running", "cancelled"],
  succeeded: [],
  failed: [],
  stopped: [],
  cancelled: [],
  rejected: [],
  expired: [],
};
export const FINAL_BATCH: ReadonlySet<BatchStatus> = new Set([
  "succeeded",
  "failed",
  "stopped",
  "cancelled",
  "rejected",
  "expired",
]);

export interface BatchRow {
  id: string;
  action: string;
  action_version: string;
  status: BatchStatus;
  requester_id: string;
  idempotency_key: string | null;
  item_set_hash: string;
  item_count: number;
  totals: Record<string, number>;
  reason: string | null;
  approval_request_id: string | null;
  retry_of: string | null;
  concurrency: number;
  generation: number;
  stop_reason: string | null;
  request_id: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  pii_purged_at: Date | null;
}

export interface ItemRow {
  batch_id: string;
  position: number;
  /** Classified fields masked (bulk-item-values.ts); the raw parameters are in `params_sealed`. */
  params: Record<string, unknown>;
  params_sealed: Buffer | null;
  params_hash: string;
  target_id: string | null;
  status: ItemStatus;
  run_id: string | null;
  error_code: string | null;
  error_message: string | null;
  finished_at: Date | null;
}

export interface ItemCounts {
  pending: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

export async function insertBatch(
  db: Queryable,
  batch: Omit<
    BatchRow,
    "created_at" | "started_at" | "finished_at" | "generation" | "stop_reason" | "pii_purged_at"
  >,
  items: readonly StoredItem[],
): Promise<void> {
  await db.query(
    `INSERT INTO airlock.bulk_batches (id, action, action_version, status, requester_id, idempotency_key,
       item_set_hash, item_count, totals, reason, approval_request_id, retry_of, concurrency, request_id,
       started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14,
       CASE WHEN $4 = 'running' THEN now() END)`,
    [
      batch.id,
      batch.action,
      batch.action_version,
      batch.status,
      batch.requester_id,
      batch.idempotency_key,
      batch.item_set_hash,
      batch.item_count,
      JSON.stringify(batch.totals),
      batch.reason,
      batch.approval_request_id,
      batch.retry_of,
      batch.concurrency,
      batch.request_id,
    ],
  );
  await db.query(
    `INSERT INTO airlock.bulk_items (batch_id, position, params, params_sealed, params_hash, target_id, status)
     SELECT $1, p, v::jsonb, e, h, t, 'pending'
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bytea[]) AS u(p, v, h, t, e)`,
    [
      batch.id,
      items.map((i) => i.position),
      items.map((i) => JSON.stringify(i.params)),
      items.map((i) => i.paramsHash),
      items.map((i) => i.targetId),
      items.map((i) => i.sealed),
    ],
  );
}

export async function getBatch(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<BatchRow | null> {
  const result = await db.query<BatchRow>(
    `SELECT * FROM airlock.bulk_batches WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return result.rows[0] ?? null;
}

export async function findBatchByKey(
  db: Queryable,
  requesterId: string,
  key: string,
): Promise<BatchRow | null> {
  const result = await db.query<BatchRow>(
    "SELECT * FROM airlock.bulk_batches WHERE requester_id = $1 AND idempotency_key = $2",
    [requesterId, key],
  );
  return result.rows[0] ?? null;
}

/**
 * Compare-and-set of a batch's status along MOVES; null when the batch was not in `from` (someone
 * else moved it first). Leaving `running` for a final status stamps `finished_at`.
 */
export async function moveBatch(
  db: Queryable,
  id: string,
  from: readonly BatchStatus[],
  to: BatchStatus,
  extra: { stopReason?: string | null; nextGeneration?: boolean } = {},
): Promise<BatchRow | null> {
  for (const status of from)
    if (!MOVES[status].includes(to)) throw new Error(`bulk: ${status} → ${to} is not a batch move`);
  const result = await db.query<BatchRow>(
    `UPDATE airlock.bulk_batches
        SET status = $3,
            stop_reason = COALESCE($4, stop_reason),
            generation = generation + $5,
            started_at = CASE WHEN $3 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
            finished_at = CASE WHEN $3 = ANY($6::text[]) THEN now() ELSE finished_at END
      WHERE id = $1 AND status = ANY($2::text[])
      RETURNING *`,
    [id, from, to, extra.stopReason ?? null, extra.nextGeneration ? 1 : 0, [...FINAL_BATCH]],
  );
  return result.rows[0] ?? null;
}

/** Every pending item of the batch becomes skipped, with why (cancel, stop, rejection). */
export async function skipPending(db: Queryable, id: string, code: string, message: string): Promise<number> {
  const result = await db.query(
    `UPDATE airlock.bulk_items
        SET status = 'skipped', error_code = $2, error_message = $3, finished_at = now(), params_sealed = NULL
      WHERE batch_id = $1 AND status = 'pending'`,
    [id, code, message],
  );
  return result.rowCount ?? 0;
}

export async function itemCounts(db: Queryable, id: string): Promise<ItemCounts> {
  // Index: bulk_items_status_idx.
  const result = await db.query<{ status: ItemStatus; n: number }>(
    "SELECT status, count(*)::int AS n FROM airlock.bulk_items WHERE batch_id = $1 GROUP BY status",
    [id],
  );
  const counts: ItemCounts = { pending: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const row of result.rows) counts[row.status] = row.n;
  return counts;
}

/** Pending items after `afterPosition`, in order (bulk_items_status_idx). */
export async function pendingItems(
  db: Queryable,
  id: string,
  afterPosition: number,
  limit: number,
): Promise<ItemRow[]> {
  const result = await db.query<ItemRow>(
    `SELECT * FROM airlock.bulk_items
      WHERE batch_id = $1 AND status = 'pending' AND position > $2
      ORDER BY position LIMIT $3`,
    [id, afterPosition, limit],
  );
  return result.rows;
}

export interface ItemEnd {
  position: number;
  status: "succeeded" | "failed" | "skipped";
  runId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/**
 * Items that ended, written in one statement; an item already ended keeps its first outcome. An
 * item that succeeded drops its sealed parameters (its run keeps its own); a failed one keeps them
 * for a retry, until the retention sweep (bulk-item-values.ts).
 */
export async function endItems(db: Queryable, id: string, ends: readonly ItemEnd[]): Promise<void> {
  if (ends.length === 0) return;
  await db.query(
    `UPDATE airlock.bulk_items i
        SET status = u.s, run_id = u.r, error_code = u.c, error_message = u.m, finished_at = now(),
            params_sealed = CASE WHEN u.s = 'failed' THEN i.params_sealed END
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(p, s, r, c, m)
      WHERE i.batch_id = $1 AND i.position = u.p AND i.status = 'pending'`,
    [
      id,
      ends.map((e) => e.position),
      ends.map((e) => e.status),
      ends.map((e) => e.runId),
      ends.map((e) => e.errorCode),
      ends.map((e) => e.errorMessage),
    ],
  );
}

export async function listItems(
  db: Queryable,
  id: string,
  filter: { status?: ItemStatus | undefined; after?: number | undefined; limit: number },
): Promise<ItemRow[]> {
  const result = await db.query<ItemRow>(
    `SELECT * FROM airlock.bulk_items
      WHERE batch_id = $1 AND ($2::text IS NULL OR status = $2) AND position > $3
      ORDER BY position LIMIT $4`,
    [id, filter.status ?? null, filter.after ?? 0, filter.limit],
  );
  return result.rows;
}

/** Running batches whose workflow may never have started (a crash between commit and start). */
export async function runningBatches(db: Queryable): Promise<BatchRow[]> {
  const result = await db.query<BatchRow>("SELECT * FROM airlock.bulk_batches WHERE status = 'running'");
  return result.rows;
}

export function mustFind(batch: BatchRow | null): BatchRow {
  if (!batch) throw new AirlockError("bulk.not_found");
  return batch;
}
