// Connection losses, produced for real against PostgreSQL: a refused connection, a backend
// terminated mid-query and while idle-but-checked-out. They must be told apart from ordinary
// statement errors, must not crash the process (a checked-out client has no pool listener), and
// are logged once per outage.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { isConnectionLoss, watchOutage } from "../../src/store/connection-loss.ts";
import { type Database, openDatabase, ownerClient } from "../../src/store/database.ts";
import { findFreePort } from "../../src/store/embedded-postgres.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const write = (level: string) => (fields: object, message: string) =>
    void lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, warn: write("warn"), info: write("info") };
}

async function terminate(pid: number): Promise<void> {
  const admin = await ownerClient(db.url);
  try {
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
  } finally {
    await admin.end();
  }
}

test("a refused connection and a terminated backend are connection losses; a bad statement is not", async () => {
  const port = await findFreePort();
  const refused = new pg.Client({ host: "127.0.0.1", port, user: "x", database: "x" });
  refused.on("error", () => {});
  const refusal = await refused.connect().then(
    () => null,
    (error: unknown) => error,
  );
  assert.ok(isConnectionLoss(refusal), `refused: ${String(refusal)}`);

  const client = await ownerClient(db.url);
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
  const sleeping = client.query("SELECT pg_sleep(30)").then(
    () => null,
    (error: unknown) => error,
  );
  await new Promise((r) => setTimeout(r, 100));
  await terminate(pid);
  const terminated = (await sleeping) as { code?: string };
  assert.equal(terminated.code, "57P01", "admin_shutdown, as in a fast stop");
  assert.ok(isConnectionLoss(terminated));
  const afterwards = await client.query("SELECT 1").then(
    () => null,
    (error: unknown) => error,
  );
  assert.ok(isConnectionLoss(afterwards), `query on the dead client: ${String(afterwards)}`);
  await client.end().catch(() => {});

  const good = await ownerClient(db.url);
  try {
    const syntax = await good.query("SELEC 1").then(
      () => null,
      (error: unknown) => error,
    );
    assert.equal((syntax as { code?: string }).code, "42601");
    assert.equal(isConnectionLoss(syntax), false);
    assert.equal(isConnectionLoss(new Error("something else")), false);
  } finally {
    await good.end();
  }
});

test("checked-out pooled clients whose backends die do not crash the process; the outage is logged once, its end once", async () => {
  const log = recordingLog();
  const app: Database = openDatabase({ url: db.url, max: 4, log });
  try {
    // Two clients checked out of the pool (as a transaction holds one): pg-pool has taken its own
    // error listener off them. Without ours, the terminations below are uncaught exceptions.
    const clients = await Promise.all([app.pool.connect(), app.pool.connect()]);
    const pids = await Promise.all(
      clients.map(async (c) => (await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number),
    );
    // Waits on `end`, not `error`: a listener of the test's own would hide a missing one.
    const failed = Promise.all(clients.map((c) => new Promise((r) => c.once("end", r))));
    for (const pid of pids) await terminate(pid);
    await failed;
    for (const c of clients) c.release(true);

    const unreachable = log.lines.filter((l) => /database unreachable/.test(l.message));
    assert.equal(unreachable.length, 1, JSON.stringify(log.lines));
    assert.equal(unreachable[0]!.level, "warn");

    // A new connection ends the outage.
    const result = await app.pool.query("SELECT 1 AS one");
    assert.equal(result.rows[0].one, 1);
    const back = log.lines.filter((l) => /reachable again/.test(l.message));
    assert.equal(back.length, 1);
    assert.ok(Number(back[0]!.fields.failures) >= 2, "both clients' failures counted in the one outage");
  } finally {
    await app.close();
  }
});

test("watchOutage: other errors go back to the caller unlogged; an outage is said once, its end once, not ended by late answers", () => {
  const log = recordingLog();
  const watch = watchOutage(log, "a loop");
  assert.equal(watch.failed(new Error("duplicate key")), false);
  assert.equal(watch.down, false);
  watch.succeeded();
  assert.deepEqual(log.lines, []);
  assert.equal(
    watch.failed(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
    true,
  );
  assert.equal(watch.failed(new Error("Connection terminated unexpectedly")), true);
  assert.equal(watch.down, true);
  assert.equal(log.lines.length, 1);
  // A success of work begun before the outage (its answer arrived late) does not end it.
  watch.succeeded(Date.now() - 60_000);
  assert.equal(watch.down, true);
  watch.succeeded();
  assert.equal(watch.down, false);
  assert.deepEqual(
    (log.lines as { message: string }[]).map((l) => l.message),
    ["a loop: database unreachable; retrying until it is back", "a loop: database reachable again"],
  );
});
