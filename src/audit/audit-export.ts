// Exporting the audit trail as CSV or JSON Lines, oldest first, for any range: rows come through
// a server-side cursor (pg-cursor) a batch at a time and leave as one string chunk per batch, so
// memory stays flat however many events match. Exporting is itself audited: the HTTP layer
// appends an `audit.exported` event.
//
// CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR, and the
// full-width = + - @ some spreadsheet apps also accept) get a leading single quote, as OWASP's
// CSV-injection guidance says; values stay readable and nothing executes. The JSONL export is the
// exact one (no quoting games, jsonb copied verbatim) for machines.
import type pg from "pg";
import Cursor from "pg-cursor";
import { type AuditFilters, filterWhere } from "./audit-filter.ts";
import { RECORD_FIELDS, RECORD_SELECT, toJsonLine } from "./audit-record.ts";

export type AuditExportFormat = "csv" | "jsonl";

export interface ExportOptions {
  /** Rows per cursor read, and so per chunk. */
  batchRows?: number;
}

const CSV_COLUMNS = RECORD_FIELDS.map(([name]) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV cell: formula neutralized, then RFC 4180 quoted when needed. NULL is an empty cell. */
export function csvCell(value: string | null): string {
  if (value === null || value === "") return "";
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(cells: readonly (string | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export const AUDIT_CSV_HEADER = csvRow(CSV_COLUMNS);

export function exportContentType(format: AuditExportFormat): string {
  return format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
}

/**
 * The matching events as string chunks. Stop early by breaking out of the loop: the cursor is
 * closed and the connection returned. `Readable.from(exportAudit(...))` makes it a Node stream.
 */
export async function* exportAudit(
  pool: pg.Pool,
  filters: AuditFilters,
  format: AuditExportFormat,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const where = filterWhere(filters);
  const batchRows = options.batchRows ?? 1_000;
  const client = await pool.connect();
  let healthy = false;
  let cursor: Cursor | null = null;
  try {
    // The cursor reads one consistent snapshot; READ ONLY because an export never writes.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    cursor = client.query(
      new Cursor(
        `SELECT ${RECORD_SELECT} FROM airlock.audit_events WHERE ${where.sql} ORDER BY id`,
        where.values,
        {
          rowMode: "array",
        },
      ),
    );
    if (format === "csv") yield AUDIT_CSV_HEADER;
    for (;;) {
      const rows = (await cursor.read(batchRows)) as unknown as (string | null)[][];
      if (rows.length === 0) break;
      yield format === "csv" ? rows.map(csvRow).join("") : rows.map(toJsonLine).join("");
    }
    healthy = true;
  } finally {
    // Reached on completion, on error, and when the consumer stops early (return()).
    let clean = true;
    await cursor?.close().catch(() => {
      clean = false;
    });
    await client.query(healthy ? "COMMIT" : "ROLLBACK").catch(() => {
      clean = false;
    });
    client.release(!clean);
  }
}
