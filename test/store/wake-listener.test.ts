// Wake-ups across processes over PostgreSQL's LISTEN/NOTIFY, against a real server: a waiter is
// woken by the commit of a transaction that notifies its key (never by a rollback or another key),
// a wait ends at its bound, a lost connection is made again and wakes everyone to read again, and
// a closed listener drops its waits.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { listenForWakes, type WakeListener, wakeSql } from "../../src/store/wake-listener.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const CHANNEL = "test_wake";
let db: TestDatabase;
let listener: WakeListener;
let owner: pg.Client;
const log = { warn: () => {}, info: () => {} };

before(async () => {
  db = await createTestDatabase();
  owner = await ownerClient(db.url);
  listener = listenForWakes({ url: db.url, channel: CHANNEL, log });
  await listening();
});
after(async () => {
  await listener.close();
  await owner.end();
  await db.drop();
});

/** The listener's backend once its LISTEN has run (its pid). */
async function listening(channel = CHANNEL): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await owner.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'airlock-wake' AND query = $1`,
      [`LISTEN ${channel}`],
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the wake-up listener never listened");
}

function watch(promise: Promise<void>) {
  const state = { woken: false, at: 0 };
  void promise.then(() => {
    state.woken = true;
    state.at = Date.now();
  });
  return state;
}

const settle = (ms = 200) => new Promise((resolve) => setTimeout(resolve, ms));

test("a waiter is woken by the commit of a transaction that notifies its key, never by a rollback or another key", async () => {
  const wait = listener.wait("run-a", 30_000);
  const state = watch(wait.woken);
  await owner.query("BEGIN");
  await owner.query(wakeSql(CHANNEL), ["run-a"]);
  await settle();
  assert.equal(state.woken, false, "not before the transaction commits");
  await owner.query("ROLLBACK");
  await owner.query(wakeSql(CHANNEL), ["run-b"]);
  await settle();
  assert.equal(state.woken, false, "neither a rolled-back notification nor another key's wakes it");
  await owner.query("BEGIN");
  await owner.query(wakeSql(CHANNEL), ["run-a"]);
  const committedAt = Date.now();
  await owner.query("COMMIT");
  await wait.woken;
  assert.ok(state.at - committedAt < 5_000, "woken at the commit");
});

test("a wait ends at its bound when nothing notifies it; a cancelled one is never woken", async () => {
  const startedAt = Date.now();
  await listener.wait("run-c", 150).woken;
  assert.ok(Date.now() - startedAt >= 140, "not before its bound");
  const cancelled = listener.wait("run-d", 100);
  const state = watch(cancelled.woken);
  cancelled.cancel();
  await owner.query(wakeSql(CHANNEL), ["run-d"]);
  await settle(300);
  assert.equal(state.woken, false);
});

test("a lost connection is made again, and every waiter is woken to read again (a notification may have been missed)", async () => {
  const wait = listener.wait("run-e", 60_000);
  const pid = await listening();
  await owner.query("SELECT pg_terminate_backend($1)", [pid]);
  await wait.woken;
  const again = await listening();
  assert.notEqual(again, pid, "listening on a new connection");
  const next = listener.wait("run-f", 60_000);
  await owner.query(wakeSql(CHANNEL), ["run-f"]);
  await next.woken;
});

test("closed, the listener drops its pending waits without waking them", async () => {
  const own = listenForWakes({ url: db.url, channel: "test_wake_closed", log });
  await listening("test_wake_closed");
  const state = watch(own.wait("run-g", 60_000).woken);
  await own.close();
  await owner.query(wakeSql("test_wake_closed"), ["run-g"]);
  await settle(300);
  assert.equal(state.woken, false);
  // Its backend ends shortly after the client has hung up.
  let rows: unknown[] = [];
  for (let i = 0; i < 40; i++) {
    ({ rows } = await owner.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'airlock-wake' AND query = 'LISTEN test_wake_closed'`,
    ));
    if (rows.length === 0) break;
    await settle(50);
  }
  assert.equal(rows.length, 0, "its connection is closed");
});
