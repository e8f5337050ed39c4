// A normalized, version-independent description of Airlock's schema as PostgreSQL sees it:
// tables, columns, constraints, indexes and the application role's privileges. Compared with the
// committed migrations/schema.snapshot.txt by test/store/schema-drift.test.ts, so a change to the
// schema is always a visible diff, and the database can never drift from what migrations say.
import type pg from "pg";

export async function describeSchema(db: Pick<pg.ClientBase, "query">, schema = "airlock"): Promise<string> {
  const lines: string[] = [];
  const tables = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  for (const { table_name: table } of tables.rows) {
    lines.push(`table ${table}`);
    const columns = await db.query<{
      column_name: string;
      type: string;
      not_null: boolean;
      default: string | null;
      identity: string;
    }>(
      `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity
         FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attname`,
      [schema, table],
    );
    for (const c of columns.rows) {
      const extra = [
        c.not_null ? "not null" : "",
        c.identity === "a" ? "generated always as identity" : "",
        c.default ? `default ${c.default}` : "",
      ].filter(Boolean);
      lines.push(`  column ${c.column_name} ${c.type}${extra.length ? ` ${extra.join(" ")}` : ""}`);
    }
    const constraints = await db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = format('%I.%I', $1::text, $2::text)::regclass
          -- PostgreSQL 18 also lists NOT NULL as constraints; 15 does not. Columns say it already.
          AND contype <> 'n'
        ORDER BY pg_get_constraintdef(oid)`,
      [schema, table],
    );
    for (const c of constraints.rows) lines.push(`  constraint ${c.def}`);
    const indexes = await db.query<{ def: string }>(
      "SELECT regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON ', 'index \\1ON ') AS def FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexdef",
      [schema, table],
    );
    for (const i of indexes.rows) lines.push(`  ${i.def}`);
    const grants = await db.query<{ privileges: string }>(
      `SELECT string_agg(privilege_type, ', ' ORDER BY privilege_type) AS privileges FROM information_schema.role_table_grants
        WHERE table_schema = $1 AND table_name = $2 AND grantee = 'airlock_app'`,
      [schema, table],
    );
    lines.push(`  airlock_app may ${grants.rows[0]?.privileges ?? "nothing"}`);
  }
  return `${lines.join("\n")}\n`;
}
