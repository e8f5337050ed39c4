import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { describeSchema } from "../../src/store/describe-schema.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

// The schema after all migrations must equal the committed snapshot: a migration that changes
// the schema updates migrations/schema.snapshot.txt in the same commit (UPDATE_SNAPSHOTS=1).
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
