// `airlock admin bootstrap --email`: creates the first admin through DATABASE_URL, as an operator
// runs it (one child process for the three runs), and is refused once any admin exists.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { runAirlockBatch } from "./cli-batch.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

const env = () => ({ DATABASE_URL: db.url, AIRLOCK_CONFIG: "test/governance/governance-workspace.ts" });

test("the first admin is created in the admin group; a second bootstrap is refused with its code", async () => {
  const [first, second, usage] = await runAirlockBatch([
    { args: ["admin", "bootstrap", "--email", "first@gov.test", "--name", "First"], env: env() },
    { args: ["admin", "bootstrap", "--email", "second@gov.test"], env: env() },
    { args: ["admin", "bootstrap"], env: env() },
  ]);
  assert.equal(first!.code, 0, first!.err);
  assert.match(first!.out, /Created the first admin first@gov\.test \(group "admins"/);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const member = await client.query(
      `SELECT g.name FROM airlock.users u JOIN airlock.group_members m ON m.user_id = u.id
         JOIN airlock.groups g ON g.id = m.group_id WHERE u.email = 'first@gov.test'`,
    );
    assert.deepEqual(
      member.rows.map((r) => r.name),
      ["admins"],
    );
    const audit = await client.query(
      "SELECT count(*)::int AS n FROM airlock.audit_events WHERE type = 'admin.bootstrapped'",
    );
    assert.equal(audit.rows[0].n, 1);
  } finally {
    await client.end();
  }
  assert.equal(second!.code, 1);
  assert.match(second!.err, /admin\.bootstrap_refused/);
  assert.equal(usage!.code, 2);
});
