// From a selection (rows of a lookup's result, or a CSV of IDs) to a batch's item set: each row
// through the action's `bulk.paramsFrom`, validated by the action's schema, deduplicated, its
// target looked up (`describe`, when the action has one), its amount summed per currency. Rows
// that cannot become items are refused here, each with its reason, before anything runs. The
// item set's hash is what a batch's approval binds to: any change to any item changes it.
import type pg from "pg";
import { describeTarget } from "../approval/target-state.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Log } from "../observe/logger.ts";
import { scrubText } from "../pii/mask.ts";
import { canonicalJson, paramsHash } from "../runs/params-hash.ts";
import type { BulkOptions } from "../sdk/define-action.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { isFormula, parseItemsCsv } from "./bulk-csv.ts";
import { type ItemSealing, itemHashKey } from "./bulk-item-values.ts";

export interface BatchItem {
  /** 1-based position in the item set, the item's identity within its batch. */
  position: number;
  params: Record<string, unknown>;
  paramsHash: string;
  targetId: string | null;
}

export interface RefusedItem {
  /** The row's place in the selection (1-based), or the CSV line number. */
  row: number;
  /** What the row named (its target, or its first cell), to find it again. */
  ref: string | null;
  code: "invalid" | "duplicate" | "unknown_target" | "formula" | "wrong_columns";
  reason: string;
}

export interface ItemSet {
  action: CompiledAction;
  items: BatchItem[];
  refused: RefusedItem[];
  totals: Record<string, number>;
  hash: string;
}

export interface Selection {
  rows?: Record<string, unknown>[] | undefined;
  csv?: string | undefined;
}

/** The action's bulk options, or a refusal: an action runs in bulk only if its definition says so. */
export function bulkOptionsOf(action: CompiledAction): BulkOptions {
  const bulk = action.definition.bulk as BulkOptions | undefined;
  if (!bulk) throw new AirlockError("bulk.not_allowed");
  return bulk;
}

/**
 * The hash an approval binds to: the action and every item's parameters, in order. With a key
 * (an action with classified parameters, bulk-item-values.ts) it is keyed and covers each item's
 * keyed hash, so it can be recomputed from the stored items without opening their envelopes.
 */
export function itemSetHash(
  action: { name: string; version: string },
  items: readonly { params: unknown; paramsHash: string }[],
  key: Buffer | null,
) {
  const scope = `bulk:${action.name}@${action.version}`;
  if (key)
    return paramsHash(
      scope,
      items.map((item) => item.paramsHash),
      key,
    );
  return paramsHash(
    scope,
    items.map((item) => item.params),
  );
}

export async function buildItemSet(
  deps: { pool: pg.Pool; log: Log; sealing: ItemSealing },
  action: CompiledAction,
  selection: Selection,
): Promise<ItemSet> {
  const bulk = bulkOptionsOf(action);
  const key = itemHashKey(action, deps.sealing);
  // A refused row is named by its first cell; for an action with classified parameters that cell
  // may be one of them, so it is named by its row number only (or its target).
  const refOf = (values: Record<string, unknown>) => (key ? null : firstValue(values));
  const lines: {
    row: number;
    values: Record<string, unknown>;
    problem: string | null;
    code?: RefusedItem["code"];
  }[] = [];
  if (selection.csv !== undefined && selection.rows !== undefined)
    throw new AirlockError("bulk.selection_invalid", "Send either rows or a CSV, not both.");
  if (selection.csv !== undefined) {
    for (const line of parseItemsCsv(selection.csv))
      lines.push({
        row: line.line,
        values: line.row,
        problem: line.problem,
        code: line.problem?.startsWith("has ") ? "wrong_columns" : "formula",
      });
  } else if (selection.rows !== undefined) {
    selection.rows.forEach((values, index) => {
      const formula = Object.entries(values).find(([, value]) => isFormula(value));
      lines.push({
        row: index + 1,
        values,
        problem: formula ? `the value of "${formula[0]}" starts like a spreadsheet formula` : null,
        code: "formula",
      });
    });
  } else throw new AirlockError("bulk.selection_invalid", "Send the rows to act on, or a CSV of them.");
  if (lines.length === 0) throw new AirlockError("bulk.selection_invalid", "The selection has no items.");
  // Refused before anything is computed: the limit is the definition's, whatever the rows hold.
  if (lines.length > bulk.maxItems)
    throw new AirlockError("bulk.too_many_items", undefined, {
      maxItems: bulk.maxItems,
      given: lines.length,
    });

  const items: BatchItem[] = [];
  const refused: RefusedItem[] = [];
  const totals: Record<string, number> = {};
  const seen = new Map<string, number>();
  for (const line of lines) {
    const ref = refOf(line.values);
    if (line.problem) {
      refused.push({ row: line.row, ref, code: line.code ?? "invalid", reason: line.problem });
      continue;
    }
    let params: Record<string, unknown>;
    try {
      const mapped = bulk.paramsFrom(line.values);
      const parsed = action.params.safeParse(mapped);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const path = issue.path.join(".");
        refused.push({
          row: line.row,
          ref,
          code: "invalid",
          reason: `${path ? `${path}: ` : ""}${issue.message}`,
        });
        continue;
      }
      params = parsed.data as Record<string, unknown>;
    } catch (error) {
      deps.log.warn({ err: error, action: action.name }, "bulk: paramsFrom failed on a row");
      refused.push({
        row: line.row,
        ref,
        code: "invalid",
        reason: "the row could not be turned into parameters",
      });
      continue;
    }
    const canonical = canonicalJson(params);
    const first = seen.get(canonical);
    if (first !== undefined) {
      refused.push({ row: line.row, ref, code: "duplicate", reason: `the same item as row ${first}` });
      continue;
    }
    seen.set(canonical, line.row);
    const target = action.definition.target?.(params as never) ?? null;
    if (target && action.definition.describe) {
      const state = await describeTarget(deps.pool, deps.log, action, target);
      if (!state?.available || state.state === null) {
        refused.push({
          row: line.row,
          ref: target.id,
          code: "unknown_target",
          reason: `no ${target.type} "${target.id}" was found`,
        });
        continue;
      }
    }
    const amount = bulk.amount?.(params as never) ?? null;
    if (amount) totals[amount.currency] = (totals[amount.currency] ?? 0) + amount.amount;
    items.push({
      position: items.length + 1,
      params,
      paramsHash: paramsHash(action.name, params, key),
      targetId: target?.id ?? null,
    });
  }
  return { action, items, refused, totals, hash: itemSetHash(action, items, key) };
}

function firstValue(values: Record<string, unknown>): string | null {
  const first = Object.values(values)[0];
  return first === undefined || first === null ? null : scrubText(String(first).slice(0, 200));
}
