import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openDatabase } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

test("the application role can append to the audit tables but never change or remove rows", async () => {
  const app = openDatabase({ url: db.url, max: 2 });
  try {
    const who = await app.pool.query("SELECT current_user AS role");
    assert.equal(who.rows[0].role, "airlock_app");
    const inserted = await app.pool.query(
      "INSERT INTO audit_events (type, outcome) VALUES ('test.event', 'info') RETURNING id",
    );
    assert.equal(inserted.rowCount, 1);
    for (const statement of [
      "UPDATE audit_events SET type = 'forged'",
      "DELETE FROM audit_events",
      "TRUNCATE audit_events",
      "UPDATE audit_seals SET root = 'x'",
      "DELETE FROM audit_seals",
      "TRUNCATE audit_seals",
    ]) {
      await assert.rejects(app.pool.query(statement), /permission denied/, statement);
    }
    // And it cannot step out of the role to the owner's privileges by DDL either.
    await assert.rejects(app.pool.query("DROP TABLE audit_events"), /must be owner|permission denied/);
    await assert.rejects(
      app.pool.query("ALTER TABLE audit_events DISABLE TRIGGER ALL"),
      /must be owner|permission denied/,
    );
  } finally {
    await app.close();
  }
});
