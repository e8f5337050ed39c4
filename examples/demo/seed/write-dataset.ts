// Writes the in-memory dataset with a few large statements, in the caller's transaction.
//
// Given a node-postgres client (what Airlock passes), each table goes in by COPY FROM STDIN, in
// chunks of 25,000 rows. Given anything else that only has query(), each chunk travels as one
// text array per column, zipped back into rows by unnest($1::text[], …) and cast to the columns'
// types read from the catalog. Both write the same values (the seed test checks it).
//
// Measured on the 2-core dev box, database CPU time for the 100,000 transactions: COPY 0.4-0.5 s;
// text arrays + unnest 0.7-1.3 s; one JSON array per column + json_array_elements_text 1.1-1.4 s;
// json_populate_recordset over row objects 1.8-2.2 s; tab-separated text + string_to_table 2.1 s.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { AccountRow, Dataset } from "./dataset.ts";

export interface Queryable {
  query(text: string, values?: readonly unknown[]): Promise<unknown>;
}

interface Rows<R> {
  rows: R[];
}

const CHUNK = 25_000;

/** Insertion order: parents before children, and the ledger before what points at journals. */
const ORDER: (keyof Dataset)[] = [
  "customers",
  "accounts",
  "account_admins",
  "notification_settings",
  "merchants",
  "cards",
  "card_vault",
  "journals",
  "ledger_entries",
  "payments",
  "refunds",
  "disputes",
  "monthly_deposits",
  "bills",
  "transactions",
];

/**
 * Tables big enough that per-row foreign-key checks and index maintenance dominate: they are
 * loaded without their foreign keys, indexes and (unless another table references them) primary
 * and unique keys, and the same definitions are restored afterwards, as PostgreSQL's "Populating
 * a Database" advises. Restoring checks every row in one pass, inside the seed's transaction, so
 * no other session ever sees the table without its constraints.
 */
const BULK_TABLES = new Set<keyof Dataset>(["transactions", "ledger_entries"]);

export async function writeDataset(db: Queryable, data: Dataset): Promise<void> {
  for (const table of ORDER) {
    let rows: object[] = data[table];
    // Accounts start active: the ledger refuses postings to closed accounts and debits of frozen
    // ones, and the history being written happened before they were closed or frozen.
    if (table === "accounts") {
      rows = data.accounts.map((a) => ({ ...a, status: "active", frozen_at: null, closed_at: null }));
    }
    // All entries in one statement: the ledger's trigger checks that each journal is balanced at
    // the end of every statement that adds entries (INSERT or COPY), so no chunk boundary may
    // split a journal.
    const chunk = table === "ledger_entries" ? rows.length : CHUNK;
    const load = async () => {
      for (let start = 0; start < rows.length; start += chunk) {
        await writeRows(db, table, rows.slice(start, start + chunk));
      }
    };
    if (BULK_TABLES.has(table)) await withoutForeignKeysAndIndexes(db, table, load);
    else await load();
  }
  // Triggers stamp now() on the payments a refund touches; put back the dataset's times so that
  // every run writes the same rows.
  const refunded = new Set(data.refunds.filter((r) => r.status !== "failed").map((r) => r.payment_id));
  const stamped = data.payments
    .filter((p) => refunded.has(p.id))
    .map(({ id, updated_at }) => ({ id, updated_at }));
  await writeRows(db, "payments", stamped, "update");
  const changed: Pick<AccountRow, "id" | "status" | "frozen_at" | "closed_at">[] = data.accounts
    .filter((a) => a.status !== "active")
    .map(({ id, status, frozen_at, closed_at }) => ({ id, status, frozen_at, closed_at }));
  await writeRows(db, "accounts", changed, "update");
  // The seed wrote explicit ids; later postings continue after them.
  for (const table of ["journals", "ledger_entries"]) {
    await db.query(
      `SELECT setval(pg_get_serial_sequence('demo.${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM demo.${table}), false)`,
    );
  }
  // No ANALYZE here: it was a tenth of the seed's database time, and autovacuum analyzes tables
  // this size within a minute of the load anyway.
}

/** INSERTs rows (by COPY when it can), or UPDATEs them by id. */
async function writeRows(db: Queryable, table: string, rows: object[], mode: "insert" | "update" = "insert") {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  if (mode === "insert" && db instanceof pg.Client) {
    const lines = rows.map((row) =>
      columns.map((c) => copyText((row as Record<string, unknown>)[c])).join("\t"),
    );
    const copy = db.query(copyFrom(`COPY demo.${table} (${columns.join(", ")}) FROM STDIN`));
    await pipeline(Readable.from([`${lines.join("\n")}\n`]), copy);
    return;
  }
  const types = (await db.query(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [`demo.${table}`],
  )) as Rows<{ name: string; type: string }>;
  const typeOf = new Map(types.rows.map((r) => [r.name, r.type]));
  const values = columns.map((column) => {
    if (!typeOf.has(column)) throw new Error(`seed bug: demo.${table} has no column ${column}`);
    return rows.map((row) => {
      const value = (row as Record<string, unknown>)[column] ?? null;
      return value !== null && typeof value === "object" ? JSON.stringify(value) : value;
    });
  });
  const names = columns.map((_, i) => `c${i}`);
  const source = `unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(", ")}) AS x(${names.join(", ")})`;
  const casts = columns.map((c, i) => `x.c${i}::${typeOf.get(c)}`);
  const sql =
    mode === "insert"
      ? `INSERT INTO demo.${table} (${columns.join(", ")}) SELECT ${casts.join(", ")} FROM ${source}`
      : `UPDATE demo.${table} t
           SET ${columns.flatMap((c, i) => (c === "id" ? [] : [`${c} = ${casts[i]}`])).join(", ")}
          FROM ${source} WHERE t.id = x.c${columns.indexOf("id")}`;
  await db.query(sql, values);
}

const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A value in COPY's text format: \N for NULL, backslash escapes for the four special characters. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : text;
}

async function withoutForeignKeysAndIndexes(db: Queryable, table: string, load: () => Promise<void>) {
  // Foreign keys first and keys last, so that each is dropped before what it depends on and
  // restored after it.
  const constraints = (await db.query(
    `SELECT k.conname AS name, pg_get_constraintdef(k.oid) AS definition FROM pg_constraint k
      WHERE k.conrelid = $1::regclass
        AND (k.contype = 'f' OR (k.contype IN ('p', 'u')
             AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = k.conindid)))
      ORDER BY k.contype = 'f' DESC, k.conname`,
    [`demo.${table}`],
  )) as Rows<{ name: string; definition: string }>;
  // Plain indexes (those behind constraints come back with their constraint).
  const indexes = (await db.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [`demo.${table}`],
  )) as Rows<{ name: string; definition: string }>;
  for (const constraint of constraints.rows) {
    await db.query(`ALTER TABLE demo.${table} DROP CONSTRAINT "${constraint.name}"`);
  }
  for (const index of indexes.rows) await db.query(`DROP INDEX demo."${index.name}"`);
  await load();
  for (const index of indexes.rows) await db.query(index.definition);
  for (const constraint of [...constraints.rows].reverse()) {
    await db.query(`ALTER TABLE demo.${table} ADD CONSTRAINT "${constraint.name}" ${constraint.definition}`);
  }
}
