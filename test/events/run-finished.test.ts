// The events part: a consumer subscribed to `run.finished` gets every finished run once, in
// order, its cursor moving as it goes; and after a crash between handing events over and
// recording its cursor, it gets them again from its cursor (at least once), never the older ones.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createEventOutbox, type EventOutbox } from "../../src/events/event-outbox.ts";
import type { OutboxEvent } from "../../src/events/event-types.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { type Database, openDatabase, ownerClient } from "../../src/store/database.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let operator: TestUser;
let manager: TestUser;
const quiet = createLogger({ level: "silent" });
const CONSUMER = { name: "test.run-finished", types: ["run.finished"] as const };

before(async () => {
  t = await startTestAirlock({ workspace: fixtureWorkspace, prepare: createFixtureSchema });
  operator = await createUser(t.airlock.database.pool, { groups: ["operators"] });
  manager = await createUser(t.airlock.database.pool, { groups: ["managers"] });
});
after(async () => {
  await t.close();
});

let n = 0;
/** Submit a run and wait for its answer (a queued run is awaited by the API); its id and status. */
async function finishRun(action: "credit_inline" | "credit_queued", account = "acc_events") {
  const res = await t.post(
    `/api/v1/actions/${action}/runs`,
    { params: { account, amount: 100 + n++ } },
    { ...operator.headers, "idempotency-key": `events-${n}` },
  );
  const body = await res.json();
  // A failed run answers with the error envelope, which names the run.
  const run = body.error
    ? { id: body.error.details?.runId, status: "failed" }
    : { id: body.id, status: body.status };
  assert.ok(run.id && ["succeeded", "failed"].includes(run.status), JSON.stringify(body));
  return run as { id: string; status: string };
}

async function cursor(): Promise<string> {
  const result = await t.airlock.database.pool.query(
    "SELECT last_event_id::text FROM airlock.event_consumers WHERE name = $1",
    [CONSUMER.name],
  );
  return result.rows[0]?.last_event_id ?? "none";
}

async function maxEventId(): Promise<string> {
  const result = await t.airlock.database.pool.query(
    "SELECT max(id)::text AS id FROM airlock.event_outbox WHERE type = 'run.finished'",
  );
  return result.rows[0].id;
}

function consumer(pool: Database["pool"], seen: OutboxEvent[], onEvent?: (e: OutboxEvent) => Promise<void>) {
  const outbox = createEventOutbox({ pool, log: quiet, pollMs: 0 });
  outbox.consume(CONSUMER, async (event) => {
    seen.push(event);
    await onEvent?.(event);
  });
  return outbox;
}

test("a run.finished consumer gets each finished run once, in order, and its cursor follows", async () => {
  const seen: OutboxEvent[] = [];
  const outbox = consumer(t.airlock.database.pool, seen);
  try {
    const first = [
      await finishRun("credit_inline"),
      await finishRun("credit_queued"),
      await finishRun("credit_inline", "acc_closed"),
    ];
    assert.equal(await outbox.drain(), 3);
    const payloads = seen.map((e) => e.payload as { runId: string; status: string });
    assert.deepEqual(
      payloads.map((p) => [p.runId, p.status]),
      first.map((r) => [r.id, r.status]),
    );
    assert.deepEqual(
      first.map((r) => r.status),
      ["succeeded", "succeeded", "failed"],
    );
    assert.equal(await cursor(), await maxEventId(), "the cursor is at the last event handed over");

    const second = [await finishRun("credit_queued"), await finishRun("credit_inline")];
    assert.equal(await outbox.drain(), 2);
    assert.equal(await outbox.drain(), 0, "nothing is handed over twice");
    assert.deepEqual(
      seen.slice(3).map((e) => (e.payload as { runId: string }).runId),
      second.map((r) => r.id),
    );
    assert.equal(new Set(seen.map((e) => e.id)).size, 5);
    assert.ok(seen.every((e) => e.attempts === 1));
    assert.equal(await cursor(), await maxEventId());
  } finally {
    await outbox.stop();
  }
});

test("after a crash before its cursor moved, the consumer gets the same events again from its cursor", async () => {
  const before = await cursor();
  const runs = [await finishRun("credit_inline"), await finishRun("credit_queued")];

  // A "process" whose database connection dies while it hands events over: the handler has seen
  // them, the cursor never moved.
  const crashing = openDatabase({
    url: t.database.url,
    max: 2,
    applicationName: "airlock-crashing-consumer",
  });
  const seenBeforeCrash: OutboxEvent[] = [];
  const doomed = consumer(crashing.pool, seenBeforeCrash, async () => {
    if (seenBeforeCrash.length < runs.length) return;
    const owner = await ownerClient(t.database.url);
    try {
      await owner.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'airlock-crashing-consumer'",
      );
    } finally {
      await owner.end();
    }
  });
  await assert.rejects(doomed.drain());
  await doomed.stop();
  await crashing.close().catch(() => {});
  assert.deepEqual(
    seenBeforeCrash.map((e) => (e.payload as { runId: string }).runId),
    runs.map((r) => r.id),
  );
  assert.equal(await cursor(), before, "the crash left the cursor where it was");

  // The same consumer in another process: from its cursor, the same two events, nothing older.
  const seenAfter: OutboxEvent[] = [];
  const restarted: EventOutbox = consumer(t.airlock.database.pool, seenAfter);
  try {
    assert.equal(await restarted.drain(), 2);
    assert.deepEqual(
      seenAfter.map((e) => e.id),
      seenBeforeCrash.map((e) => e.id),
    );
    assert.equal(await cursor(), await maxEventId());
  } finally {
    await restarted.stop();
  }
});

test("a run ended by its approval (rejected) is announced as finished too", async () => {
  const seen: OutboxEvent[] = [];
  const outbox = consumer(t.airlock.database.pool, seen);
  try {
    await outbox.drain();
    seen.length = 0;
    const res = await t.post(
      "/api/v1/actions/credit_queued/runs",
      { params: { account: "acc_events", amount: 50_000 }, reason: "large goodwill credit" },
      { ...operator.headers, "idempotency-key": "events-rejected" },
    );
    const run = await res.json();
    assert.equal(run.status, "pending_approval");
    assert.equal(await outbox.drain(), 0, "held for approval is not finished");
    const rejected = await t.post(
      `/api/v1/approvals/${run.approvalRequestId}/reject`,
      { reason: "not without a ticket" },
      manager.headers,
    );
    assert.equal(rejected.status, 200);
    assert.equal(await outbox.drain(), 1);
    assert.deepEqual(
      [(seen[0]!.payload as { runId: string }).runId, (seen[0]!.payload as { status: string }).status],
      [run.id, "rejected"],
    );
  } finally {
    await outbox.stop();
  }
});
