import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ENGINE_SCHEMA } from "../../src/engine/engine.ts";
import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ENGINE_QUEUES } from "../../src/runtime/queues.ts";
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS } from "../../src/store/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase({ template: "empty" });
});
after(async () => {
  await db.drop();
});

test("four processes preparing one empty database at once all succeed, and every queue exists once", async () => {
  const results = await Promise.allSettled(
    Array.from({ length: 4 }, () => prepareDatabase(db.url, [AIRLOCK_MIGRATIONS])),
  );
  const failures = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
  assert.deepEqual(failures, []);
  const client = await ownerClient(db.url);
  try {
    const queues = await client.query<{ name: string }>(
      `SELECT name FROM ${ENGINE_SCHEMA}.queue ORDER BY name`,
    );
    assert.deepEqual(
      queues.rows.map((r) => r.name),
      ENGINE_QUEUES.map((q) => q.name).sort(),
    );
  } finally {
    await client.end();
  }
});
