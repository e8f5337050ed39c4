// Run history: the caller's own runs plus the runs of actions they oversee, newest first, with
// optional filters and a keyset cursor over (created_at, id) — runs_created_idx serves the order.
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import type { RunStatus } from "./run-status.ts";
import type { RunRow } from "./run-store.ts";

export interface RunSearch {
  /** Whose runs are always visible (the caller). */
  viewerId: string;
  /** Actions whose every run is visible (overseen: approve, audit or admin). */
  overseen: readonly string[];
  action?: string | undefined;
  actorId?: string | undefined;
  status?: RunStatus | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** A bulk batch's ID (`blk_…`, checked by the API): the runs of its items only. */
  batch?: string | undefined;
  /** Inclusive, ISO 8601. */
  from?: string | undefined;
  /** Exclusive, ISO 8601. */
  to?: string | undefined;
  /** Words found in the action, target, request ID, actor, error or the stored (masked) parameters. */
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export type RunSearchRow = RunRow & { actor_name: string | null };

export async function searchRuns(
  db: Queryable,
  search: RunSearch,
): Promise<{ rows: RunSearchRow[]; nextCursor: string | null }> {
  const values: unknown[] = [search.viewerId, search.overseen];
  const where = ["(r.actor_id = $1 OR r.action = ANY($2::text[]))"];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace("?", `$${values.length}`));
  };
  if (search.action) add("r.action = ?", search.action);
  if (search.actorId) add("r.actor_id = ?", search.actorId);
  if (search.status) add("r.status = ?", search.status);
  if (search.targetType) add("r.target_type = ?", search.targetType);
  if (search.targetId) add("r.target_id = ?", search.targetId);
  // An item's run is its batch requester's, keyed `bulk:<batch>:<position>` (bulk/bulk-runner.ts);
  // (actor_id, idempotency_key) is indexed, and the key names items still running too.
  if (search.batch) {
    add(
      "r.channel = 'bulk' AND r.idempotency_key LIKE ?",
      `bulk:${search.batch.replace(/[\\%_]/g, "\\$&")}:%`,
    );
    add("r.actor_id = (SELECT requester_id FROM airlock.bulk_batches WHERE id = ?)", search.batch);
  }
  if (search.from) add("r.created_at >= ?::timestamptz", search.from);
  if (search.to) add("r.created_at < ?::timestamptz", search.to);
  if (search.q) addTextSearch(search.q, values, where);
  if (search.cursor) {
    const cursor = decodeCursor(search.cursor);
    values.push(cursor.at, cursor.id);
    where.push(`(r.created_at, r.id) < ($${values.length - 1}::timestamptz, $${values.length})`);
  }
  // One row more than asked says whether another page exists without a count(*).
  values.push(search.limit + 1);
  const result = await db.query<RunSearchRow>(
    `SELECT r.*, u.name AS actor_name FROM airlock.runs r LEFT JOIN airlock.users u ON u.id = r.actor_id
      WHERE ${where.join(" AND ")} ORDER BY r.created_at DESC, r.id DESC LIMIT $${values.length}`,
    values,
  );
  const rows = result.rows.slice(0, search.limit);
  const last = rows[rows.length - 1];
  return { rows, nextCursor: result.rows.length > search.limit && last ? encodeCursor(last) : null };
}

/**
 * Every word of `q` must appear somewhere in the run's text (masked parameters: a search never
 * matches a sealed value). A word that reads as an amount ("250", "$250.00") also matches that
 * amount in minor units in the parameters (`"amountCents":25000`).
 */
function addTextSearch(q: string, values: unknown[], where: string[]): void {
  for (const word of q.split(/\s+/).filter(Boolean).slice(0, 8)) {
    values.push(`%${word.replace(/[\\%_]/g, "\\$&")}%`);
    const like = `$${values.length}`;
    const text = `concat_ws(' ', r.action, r.target_type, r.target_id, r.request_id, r.id, u.name, u.email,
                             r.params::text, r.error_code, r.error_message)`;
    const amount = /^[$€£¥]?(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(word.replaceAll(",", ""));
    if (amount) {
      const minor = Number(amount[1]) * 100 + Number((amount[2] ?? "0").padEnd(2, "0"));
      values.push(`:\\s*${minor}\\s*[,}]`);
      where.push(`(${text} ILIKE ${like} OR r.params::text ~ $${values.length})`);
    } else {
      where.push(`${text} ILIKE ${like}`);
    }
  }
}

function encodeCursor(row: RunRow): string {
  return Buffer.from(`${new Date(row.created_at).toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const [at, id] = text.split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)))
    throw new AirlockError("request.invalid_query", "The cursor is not valid.");
  return { at, id };
}
