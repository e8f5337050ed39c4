// Searching the audit trail: newest first, keyset pages on id DESC (stable under concurrent
// appends: a new event never shifts a page, unlike OFFSET), filters from audit-filter.ts.
// Reading the audit is itself audited: the HTTP layer appends an `audit.viewed` event.
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import {
  type AuditSearchFilters,
  decodeCursor,
  encodeCursor,
  filterWhere,
  MAX_SEARCH_LIMIT,
} from "./audit-filter.ts";
import { type AuditEventRecord, RECORD_SELECT, toRecord } from "./audit-record.ts";

export interface AuditPage {
  events: AuditEventRecord[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The SQL of one page (exported so a test can EXPLAIN exactly what runs). */
export function searchSql(filters: AuditSearchFilters): { text: string; values: unknown[] } {
  const where = filterWhere(filters);
  const values = [...where.values];
  let sql = where.sql;
  if (filters.cursor !== undefined) {
    const before = decodeCursor(filters.cursor);
    if (before === null) throw new AirlockError("request.invalid_query", "The cursor is not valid.");
    values.push(before);
    sql += ` AND id < $${values.length}`;
  }
  if (!Number.isInteger(filters.limit) || filters.limit < 1 || filters.limit > MAX_SEARCH_LIMIT) {
    throw new AirlockError("request.invalid_query", `The limit must be from 1 to ${MAX_SEARCH_LIMIT}.`);
  }
  // One row more than asked says whether another page exists without a count(*).
  values.push(filters.limit + 1);
  return {
    text: `SELECT ${RECORD_SELECT} FROM airlock.audit_events WHERE ${sql} ORDER BY id DESC LIMIT $${values.length}`,
    values,
  };
}

export async function searchAudit(db: Queryable, filters: AuditSearchFilters): Promise<AuditPage> {
  const { text, values } = searchSql(filters);
  const result = await db.query({ text, values, rowMode: "array" });
  const rows = result.rows as (string | null)[][];
  const more = rows.length > filters.limit;
  const events = (more ? rows.slice(0, filters.limit) : rows).map(toRecord);
  return { events, nextCursor: more ? encodeCursor(events[events.length - 1]!.id) : null };
}
