import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { StartupError } from "../../src/errors/startup-error.ts";
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS, loadMigrations, migrate, pendingMigrations } from "../../src/store/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

describe("migrations", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ template: "empty" });
  });
  after(async () => {
    await db.drop();
  });

  test("apply on an empty database, and two concurrent starters apply each exactly once", async () => {
    const [a, b] = await Promise.all([
      migrate(db.url, [AIRLOCK_MIGRATIONS]),
      migrate(db.url, [AIRLOCK_MIGRATIONS]),
    ]);
    const all = await loadMigrations(AIRLOCK_MIGRATIONS);
    // One starter applied everything; the other waited on the lock and found nothing to do.
    assert.deepEqual([a.applied.length, b.applied.length].sort(), [0, all.length]);
    const client = await ownerClient(db.url);
    try {
      const rows = await client.query(
        "SELECT scope, version FROM airlock.schema_migrations ORDER BY version",
      );
      assert.equal(rows.rowCount, all.length);
      assert.deepEqual(await pendingMigrations(client, [AIRLOCK_MIGRATIONS]), []);
    } finally {
      await client.end();
    }
    const again = await migrate(db.url, [AIRLOCK_MIGRATIONS]);
    assert.deepEqual(again.applied, []);
  });

  test("a failing migration is rolled back whole and named in the error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "airlock-mig-"));
    await writeFile(join(dir, "0001_good.sql"), "CREATE TABLE airlock.mig_good (id int);");
    await writeFile(
      join(dir, "0002_bad.sql"),
      "CREATE TABLE airlock.mig_half (id int);\nSELECT * FROM no_such_table;",
    );
    const source = { scope: "test", dir };
    await assert.rejects(migrate(db.url, [source]), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.equal(error.code, "migrate.failed");
      assert.match(error.message, /test\/0002_bad failed and was rolled back/);
      assert.match(error.message, /no_such_table/);
      return true;
    });
    const client = await ownerClient(db.url);
    try {
      const tables = await client.query(
        "SELECT to_regclass('airlock.mig_good') AS good, to_regclass('airlock.mig_half') AS half",
      );
      assert.equal(tables.rows[0].good, "airlock.mig_good", "the migration before the failure stays applied");
      assert.equal(tables.rows[0].half, null, "nothing of the failed migration is left");
      const versions = await client.query(
        "SELECT version FROM airlock.schema_migrations WHERE scope = 'test'",
      );
      assert.deepEqual(
        versions.rows.map((r) => r.version),
        [1],
      );
    } finally {
      await client.end();
    }
  });

  test("editing an applied migration is refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "airlock-mig-"));
    await writeFile(join(dir, "0001_one.sql"), "CREATE TABLE airlock.mig_edit (id int);");
    await migrate(db.url, [{ scope: "edit", dir }]);
    await writeFile(join(dir, "0001_one.sql"), "CREATE TABLE airlock.mig_edit (id bigint);");
    await assert.rejects(
      migrate(db.url, [{ scope: "edit", dir }]),
      /edit\/0001_one was changed after it was applied/,
    );
  });

  test("badly named migration files are refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "airlock-mig-"));
    await writeFile(join(dir, "1_oops.sql"), "SELECT 1;");
    await assert.rejects(loadMigrations({ scope: "x", dir }), /must be named NNNN_snake_name.sql/);
  });
});
