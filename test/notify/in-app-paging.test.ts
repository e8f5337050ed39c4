// The bell's list a page at a time over HTTP, and old notifications pruned. Paging is keyset on
// (created_at, id): walking the pages gives every one of the person's notifications once, in
// order, including rows written in the same microsecond; a cursor that is not one is a 400; and a
// cursor taken from someone else's list only ever shows the caller's own rows. Pruning deletes,
// in one sweep, what is older than the retention — in-app rows read or not, delivered or given-up
// emails — and keeps newer ones and any email still waiting for a retry.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { pruneNotifications } from "../../src/notify/notification-retention.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let alice: TestUser;
let bob: TestUser;
let eventId = 0;

/** Insert `count` in-app rows for `user`, `ageSeconds` old, pairs sharing one created_at (ties on time). */
async function seed(user: TestUser, count: number, label: string, startAgeSeconds = 0): Promise<void> {
  await t.airlock.database.pool.query(
    `INSERT INTO airlock.notifications
       (id, event_id, event_type, channel, recipient_id, address, subject, body_text, content, status, delivered_at, created_at)
     SELECT $4 || '_' || lpad(i::text, 4, '0'), $3 + i, 'approval.decided', 'in_app', $1, $1, $4 || ' ' || i, 'text',
            '{"path":"/approvals"}', 'delivered', now(),
            now() - make_interval(secs => $5 + (i / 2) * 1.5)
       FROM generate_series(0, $2 - 1) AS i`,
    [user.id, count, eventId, label, startAgeSeconds],
  );
  eventId += count;
}

interface Page {
  notifications: { id: string; subject: string; createdAt: string; readAt: string | null }[];
  unread: number;
  nextCursor: string | null;
}

async function page(user: TestUser, query: string): Promise<{ status: number; body: Page }> {
  const res = await t.request(`/api/v1/me/notifications${query}`, { headers: user.headers });
  return { status: res.status, body: (await res.json()) as Page };
}

before(async () => {
  t = await startTestAirlock();
  alice = await createUser(t.airlock.database.pool, { email: "alice@test.airlock" });
  bob = await createUser(t.airlock.database.pool, { email: "bob@test.airlock" });
  await seed(alice, 125, "alice");
  await seed(bob, 3, "bob");
});
after(async () => {
  await t?.close();
});

test("three pages give each of a person's notifications once, newest first, and the unread count stays the total", async () => {
  const first = await page(alice, "?limit=50");
  assert.equal(first.status, 200);
  assert.equal(first.body.notifications.length, 50);
  assert.equal(first.body.unread, 125);
  assert.ok(first.body.nextCursor);
  const second = await page(alice, `?limit=50&before=${first.body.nextCursor}`);
  assert.equal(second.body.notifications.length, 50);
  assert.equal(second.body.unread, 125);
  const third = await page(alice, `?limit=50&before=${second.body.nextCursor}`);
  assert.equal(third.body.notifications.length, 25);
  assert.equal(third.body.nextCursor, null, "the last page says so");

  const ids = [first, second, third].flatMap((p) => p.body.notifications.map((n) => n.id));
  assert.equal(new Set(ids).size, 125, "no duplicates");
  const expected = Array.from({ length: 125 }, (_, i) => `alice_${String(i).padStart(4, "0")}`);
  // Newest first; rows of one created_at come in id order, descending (alice_0001 before alice_0000).
  assert.deepEqual([...ids].sort(), expected, "no gaps: every one of Alice's rows, none of Bob's");
  const times = [first, second, third].flatMap((p) =>
    p.body.notifications.map((n) => Date.parse(n.createdAt)),
  );
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! >= times[i]!, "newest first");
  assert.equal(ids[0], "alice_0001");
  assert.equal(ids[1], "alice_0000");

  // Without a limit: 50. A new notification while paging does not shift the older pages.
  assert.equal((await page(alice, "")).body.notifications.length, 50);
  await seed(alice, 1, "alice_new", -10);
  const again = await page(alice, `?limit=50&before=${first.body.nextCursor}`);
  assert.deepEqual(
    again.body.notifications.map((n) => n.id),
    second.body.notifications.map((n) => n.id),
  );
  await t.airlock.database.pool.query("DELETE FROM airlock.notifications WHERE id LIKE 'alice_new%'");
});

test("a page may end inside a tie on created_at, or between rows a microsecond apart, and nothing is skipped or repeated", async () => {
  // 49 a page: the boundaries fall between the two rows of a pair that share one created_at.
  const walked: string[] = [];
  let cursor: string | null = null;
  do {
    const next: { body: Page } = await page(alice, `?limit=49${cursor ? `&before=${cursor}` : ""}`);
    walked.push(...next.body.notifications.map((n) => n.id));
    cursor = next.body.nextCursor;
  } while (cursor);
  assert.equal(walked.length, 125);
  assert.equal(new Set(walked).size, 125);
  // Ten rows within a few microseconds (one millisecond), one a page.
  const dan = await createUser(t.airlock.database.pool, { email: "dan@test.airlock" });
  await t.airlock.database.pool.query(
    `INSERT INTO airlock.notifications
       (id, event_id, event_type, channel, recipient_id, address, subject, body_text, content, status, created_at)
     SELECT 'dan_' || i, 700000 + i, 'approval.decided', 'in_app', $1, $1, 'd', 't', '{"path":"/"}', 'delivered',
            date_trunc('milliseconds', now()) + make_interval(secs => i / 1000000.0)
       FROM generate_series(1, 10) AS i`,
    [dan.id],
  );
  const danIds: string[] = [];
  cursor = null;
  do {
    const next: { body: Page } = await page(dan, `?limit=1${cursor ? `&before=${cursor}` : ""}`);
    danIds.push(...next.body.notifications.map((n) => n.id));
    cursor = next.body.nextCursor;
  } while (cursor);
  assert.deepEqual(danIds, [
    "dan_10",
    "dan_9",
    "dan_8",
    "dan_7",
    "dan_6",
    "dan_5",
    "dan_4",
    "dan_3",
    "dan_2",
    "dan_1",
  ]);
});

test("another person's cursor shows the caller only their own notifications", async () => {
  const alicePage = await page(alice, "?limit=2");
  const bobWithIt = await page(bob, `?limit=100&before=${alicePage.body.nextCursor}`);
  assert.equal(bobWithIt.status, 200);
  assert.ok(bobWithIt.body.notifications.length <= 3);
  for (const n of bobWithIt.body.notifications) assert.match(n.id, /^bob_/);
  assert.equal(bobWithIt.body.unread, 3);
});

test("a cursor that is not one, or a limit out of range, is a 400 with a stable code", async () => {
  for (const query of [
    "?before=not-a-cursor",
    `?before=${Buffer.from("2026-02-31T10:00:00.000000Z|x").toString("base64url")}`,
    `?before=${Buffer.from("yesterday|x").toString("base64url")}`,
    "?limit=0",
    "?limit=101",
  ]) {
    const res = await t.request(`/api/v1/me/notifications${query}`, { headers: alice.headers });
    assert.equal(res.status, 400, query);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, "request.invalid_query", query);
    assert.ok(body.error.requestId, query);
  }
});

test("one sweep deletes notifications past the retention, read or not, and keeps newer ones and emails still being retried", async () => {
  const pool = t.airlock.database.pool;
  const carol = await createUser(pool, { email: "carol@test.airlock" });
  const day = 86_400;
  await seed(carol, 3, "carol_old", 91 * day); // past a 90-day retention
  await seed(carol, 2, "carol_recent", 89 * day);
  await pool.query("UPDATE airlock.notifications SET read_at = now() WHERE id = 'carol_old_0000'");
  await pool.query(
    `INSERT INTO airlock.notifications (id, event_id, event_type, channel, recipient_id, address, subject, body_text, status, created_at)
     VALUES ('mail_sent', 900001, 'approval.decided', 'email', $1, 'carol@test.airlock', 's', 't', 'delivered', now() - interval '91 days'),
            ('mail_failed', 900002, 'approval.decided', 'email', $1, 'carol@test.airlock', 's', 't', 'failed', now() - interval '91 days'),
            ('mail_retrying', 900003, 'approval.decided', 'email', $1, 'carol@test.airlock', 's', 't', 'pending', now() - interval '91 days'),
            ('mail_recent', 900004, 'approval.decided', 'email', $1, 'carol@test.airlock', 's', 't', 'delivered', now() - interval '10 days')`,
    [carol.id],
  );
  const removed = await pruneNotifications(pool, 90);
  assert.equal(removed, 5);
  const left = await pool.query<{ id: string }>(
    "SELECT id FROM airlock.notifications WHERE recipient_id = $1 ORDER BY id",
    [carol.id],
  );
  assert.deepEqual(
    left.rows.map((r) => r.id),
    ["carol_recent_0000", "carol_recent_0001", "mail_recent", "mail_retrying"],
  );
  assert.equal((await page(carol, "")).body.notifications.length, 2);
  // Alice's and Bob's (all new) are untouched.
  assert.equal((await page(alice, "?limit=1")).body.unread, 125);
});
