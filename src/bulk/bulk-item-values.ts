// A batch item's parameters at rest. An action whose parameters are classified as personal data
// (`.meta({ pii })`) keeps its items' parameters the way a run keeps its own (runs/run-values.ts,
// the same envelope and masks): `bulk_items.params` holds them masked, the raw parameters are
// sealed beside them (`params_sealed`) under the master key, bound to the batch and the item's
// position. Only the runner opens an envelope, for the one item it submits; the item's run then
// seals its own copy. Everything else a person sees of an item (the preview's sample, the item
// list, the failure report, audit rows, events) reads the masked column.
//
// The hashes are keyed for such actions (runs/params-hash.ts): a plain hash of an item's
// parameters would give a masked card number or SSN back to anyone who tries the candidates.
import type pg from "pg";
import { EnvelopeError, rewrap } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { paramsHashAs } from "../runs/params-hash.ts";
import { openClassified, sealClassified } from "../runs/run-values.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { BatchItem } from "./bulk-item-set.ts";
import type { ItemRow } from "./bulk-store.ts";

/** What sealing needs: the master keys and the key of the parameters' hashes. */
export interface ItemSealing {
  keyring: Keyring | null;
  paramsHashKey: Buffer | null;
}

/** An item as stored: its parameters masked where classified, the raw ones sealed. */
export interface StoredItem extends Omit<BatchItem, "params"> {
  params: Record<string, unknown>;
  sealed: Buffer | null;
}

export function bulkItemContext(batchId: string, position: number): string {
  return `airlock.bulk_items:${batchId}:${position}:params`;
}

/** True when the action's items carry classified parameters (sealed, keyed hashes). */
export function hasClassifiedParams(action: Pick<CompiledAction, "piiParams">): boolean {
  return action.piiParams.length > 0;
}

/**
 * The key the action's item hashes are made with: none for an action without classified
 * parameters; for one with them, the keyed-hash key, and without a master key no batch at all
 * (its items' raw parameters could not be kept until they run).
 */
export function itemHashKey(action: Pick<CompiledAction, "piiParams">, sealing: ItemSealing): Buffer | null {
  if (!hasClassifiedParams(action)) return null;
  if (!sealing.keyring || !sealing.paramsHashKey) throw new AirlockError("pii.no_master_key");
  return sealing.paramsHashKey;
}

/** Masks and seals each item's parameters for the batch `batchId`. */
export function sealItems(
  action: Pick<CompiledAction, "piiParams">,
  sealing: ItemSealing,
  batchId: string,
  items: readonly BatchItem[],
): StoredItem[] {
  if (!hasClassifiedParams(action)) return items.map((item) => ({ ...item, sealed: null }));
  itemHashKey(action, sealing);
  return items.map((item) => {
    const { stored, sealed } = sealClassified(
      action.piiParams,
      sealing.keyring,
      bulkItemContext(batchId, item.position),
      item.params,
    );
    return { ...item, params: stored as Record<string, unknown>, sealed };
  });
}

/**
 * The parameters an item runs with: its raw ones. The envelope is checked against the item's
 * keyed hash, which the batch's item-set hash (and so its approval) covers: an item whose stored
 * values were changed or swapped since the preview does not run.
 */
export function itemParams(
  action: Pick<CompiledAction, "name" | "piiParams">,
  sealing: ItemSealing,
  item: Pick<ItemRow, "batch_id" | "position" | "params" | "params_hash" | "params_sealed">,
): Record<string, unknown> {
  if (!item.params_sealed) {
    // Nothing sealed: either nothing is classified, or the item held no classified value.
    if (hasClassifiedParams(action) && !matches(action, sealing, item, item.params)) throw changed(item);
    return item.params;
  }
  if (!sealing.keyring) throw unreadable(item, "this server has no master key");
  let raw: Record<string, unknown>;
  try {
    raw = openClassified(
      sealing.keyring,
      item.params_sealed,
      bulkItemContext(item.batch_id, item.position),
    ) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof EnvelopeError) throw unreadable(item, error.message);
    throw error;
  }
  if (!matches(action, sealing, item, raw)) throw changed(item);
  return raw;
}

function matches(
  action: Pick<CompiledAction, "name">,
  sealing: ItemSealing,
  item: Pick<ItemRow, "params_hash">,
  params: unknown,
): boolean {
  return paramsHashAs(item.params_hash, action.name, params, sealing.paramsHashKey) === item.params_hash;
}

function changed(item: Pick<ItemRow, "batch_id" | "position">): AirlockError {
  return new AirlockError(
    "approval.stale",
    `Item ${item.position} of batch ${item.batch_id} differs from the one previewed; it was not run.`,
  );
}

function unreadable(item: Pick<ItemRow, "batch_id" | "position">, why: string): AirlockError {
  return new AirlockError(
    "pii.unreadable",
    `The classified parameters of item ${item.position} of batch ${item.batch_id} cannot be decrypted: ${why}.`,
    { batchId: item.batch_id, position: item.position },
  );
}

const BATCH = 500;

/** Re-wraps every item envelope not under the current master key (rotation); names the unreadable. */
export async function rewrapItemEnvelopes(
  db: Queryable,
  keyring: Keyring,
): Promise<{ rewrapped: number; unreadable: string[] }> {
  const current = Buffer.from(keyring.current.id, "hex");
  let rewrapped = 0;
  const unreadable: string[] = [];
  let after = { batch: "", position: 0 };
  for (;;) {
    // The key id sits at bytes 2..9 of an envelope (crypto/envelope.ts).
    const batch = await db.query<Pick<ItemRow, "batch_id" | "position" | "params_sealed">>(
      `SELECT batch_id, position, params_sealed FROM airlock.bulk_items
        WHERE params_sealed IS NOT NULL AND substring(params_sealed from 2 for 8) <> $1
          AND (batch_id, position) > ($2, $3)
        ORDER BY batch_id, position LIMIT ${BATCH}`,
      [current, after.batch, after.position],
    );
    for (const item of batch.rows) {
      after = { batch: item.batch_id, position: item.position };
      try {
        const next = rewrap(keyring, item.params_sealed!, bulkItemContext(item.batch_id, item.position));
        if (!next) continue;
        const updated = await db.query(
          `UPDATE airlock.bulk_items SET params_sealed = $4
            WHERE batch_id = $1 AND position = $2 AND params_sealed = $3`,
          [item.batch_id, item.position, item.params_sealed, next],
        );
        rewrapped += updated.rowCount ?? 0;
      } catch (error) {
        if (!(error instanceof EnvelopeError)) throw error;
        unreadable.push(`${item.batch_id}:${item.position}`);
      }
    }
    if (batch.rows.length < BATCH) return { rewrapped, unreadable };
  }
}

/**
 * Data minimization: the sealed parameters of failed items (kept for "retry the failed items")
 * are dropped once the batch ended more than `retentionDays` ago, like a run's raw values.
 */
export async function purgeExpiredItemPii(pool: pg.Pool, retentionDays: number): Promise<number> {
  const result = await pool.query(
    `WITH expired AS (
       UPDATE airlock.bulk_batches SET pii_purged_at = now()
        WHERE pii_purged_at IS NULL AND finished_at IS NOT NULL
          AND finished_at < now() - make_interval(days => $1)
        RETURNING id)
     UPDATE airlock.bulk_items SET params_sealed = NULL
      WHERE params_sealed IS NOT NULL AND batch_id IN (SELECT id FROM expired)`,
    [retentionDays],
  );
  return result.rowCount ?? 0;
}
