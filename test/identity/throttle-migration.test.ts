// Migration 0016 on a database that already has throttle rows keyed by typed text: a known user's
// count and lock move to the user's id; every other account row (possibly a typed password) goes.
import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS, migrate } from "../../src/store/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let before16: string;

before(async () => {
  db = await createTestDatabase({ template: "empty" });
  before16 = await mkdtemp(join(tmpdir(), "airlock-before-0016-"));
  for (const file of await readdir(AIRLOCK_MIGRATIONS.dir)) {
    if (/^\d{4}_.*\.sql$/.test(file) && Number(file.slice(0, 4)) < 16)
      await cp(join(AIRLOCK_MIGRATIONS.dir, file), join(before16, file));
  }
});
after(async () => {
  await db.drop();
  await rm(before16, { recursive: true, force: true });
});

test("0016 moves a known user's lock to their id and deletes rows keyed by other typed text", async () => {
  await migrate(db.url, [{ scope: AIRLOCK_MIGRATIONS.scope, dir: before16 }]);
  const client = await ownerClient(db.url);
  try {
    await client.query(
      "INSERT INTO airlock.users (id, kind, email, name, source) VALUES ('usr_known', 'human', 'Known.Person@Test.Airlock', 'K', 'admin')",
    );
    await client.query(
      `INSERT INTO airlock.login_throttle (key, attempts, window_started_at, locked_until) VALUES
         ('account:known.person@test.airlock', 5, now(), now() + interval '10 minutes'),
         ('account:hunter2-typed-as-email', 3, now(), NULL),
         ('ip:192.0.2.1', 7, now(), NULL)`,
    );
    const result = await migrate(db.url, [AIRLOCK_MIGRATIONS]);
    assert.ok(
      result.applied.some((name) => name.includes("0016_throttle_keyed_hash")),
      String(result.applied),
    );
    const rows = (
      await client.query(
        "SELECT key, attempts, locked_until IS NOT NULL AS locked FROM airlock.login_throttle ORDER BY key",
      )
    ).rows;
    assert.deepEqual(rows, [
      { key: "account:user:usr_known", attempts: 5, locked: true },
      { key: "ip:192.0.2.1", attempts: 7, locked: false },
    ]);
    const key = (await client.query("SELECT key FROM airlock.server_keys WHERE name = 'identifier_hash'"))
      .rows[0].key;
    assert.equal(key.length, 32, "a 32-byte key");
    const other = (await client.query("SELECT count(DISTINCT key)::int AS n FROM airlock.server_keys"))
      .rows[0].n;
    assert.equal(other, 1);
  } finally {
    await client.end();
  }
});
