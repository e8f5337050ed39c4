import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { describeSchema } from "../../src/store/describe-schema.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

// The schema after all migrations must equal the committed snapshot: a migration that changes
// the schema updates migrations/schema.snapshot.txt in the same commit (UPDATE_SNAPSHOTS=1), and
// the tables Kysely is told about (src/store/tables.ts) must exist with those columns.
const SNAPSHOT = new URL("../../migrations/schema.snapshot.txt", import.meta.url);
let db: TestDatabase;

before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

test("the migrated schema matches migrations/schema.snapshot.txt", async () => {
  const client = await ownerClient(db.url);
  try {
    const actual = await describeSchema(client);
    if (process.env.UPDATE_SNAPSHOTS === "1") writeFileSync(SNAPSHOT, actual);
    assert.equal(
      actual,
      readFileSync(SNAPSHOT, "utf8"),
      "schema drift: run UPDATE_SNAPSHOTS=1 npm test and commit the snapshot with the migration",
    );
  } finally {
    await client.end();
  }
});

test("every table and column declared for Kysely exists in the database", async () => {
  const source = readFileSync(new URL("../../src/store/tables.ts", import.meta.url), "utf8");
  const interfaces = new Map<string, string[]>();
  for (const match of source.matchAll(/export interface (\w+)Table \{([^}]*)\}/g)) {
    interfaces.set(
      match[1]!,
      [...match[2]!.matchAll(/^\s+(\w+):/gm)].map((m) => m[1]!),
    );
  }
  const mapping = [...source.matchAll(/^\s+(\w+): (\w+)Table;$/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.ok(mapping.length >= 10);
  const client = await ownerClient(db.url);
  try {
    for (const [table, iface] of mapping) {
      const columns = await client.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'airlock' AND table_name = $1",
        [table],
      );
      const actual = new Set(columns.rows.map((r) => r.column_name));
      assert.ok(actual.size > 0, `table airlock.${table} exists`);
      for (const column of interfaces.get(iface) ?? [])
        assert.ok(actual.has(column), `airlock.${table}.${column} exists`);
    }
  } finally {
    await client.end();
  }
});
