// A job sent held by the process that runs it (engine/held-job.ts), against real PostgreSQL and
// two engines on one database (two processes): no fetch takes it while its lease is renewed, even
// past the lease's length; a slot reserved is a slot taken; a handler that throws lets the job go
// at once; a sender that never runs it (a dead process) loses it to a worker once the lease lapses.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINE_SCHEMA, type Engine, type EngineJob, startEngine } from "../../src/engine/engine.ts";
import { installEngineSchema } from "../../src/engine/install-engine-schema.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, queryAsOwner, type TestDatabase } from "../support/test-database.ts";
import { until } from "../support/until.ts";

// 10 s is the shortest heartbeat pg-boss allows: the lease is that long, renewed every 5 s.
const QUEUES = ["test.held_long", "test.held_throw", "test.held_dead", "test.held_slots"].map((name) => ({
  name,
  heartbeatSeconds: 10,
  expireInSeconds: 60,
  retryLimit: 2,
}));
const log = createLogger({ level: "silent" });

let db: TestDatabase;
let sender: Engine;
let other: Engine;
// Jobs delivered by a fetch (either engine's workers), by queue.
const fetched = new Map<string, EngineJob<{ n: number }>[]>();

const sql = <T = Record<string, unknown>>(text: string, values: unknown[] = []) =>
  queryAsOwner<T>(db.url, text, values);

const jobState = async (id: string) =>
  (await sql<{ state: string }>(`SELECT state::text FROM ${ENGINE_SCHEMA}.job WHERE id = $1`, [id]))[0]
    ?.state ?? null;

/** Reserves a slot on `queue` and sends a job held in it, in a committed transaction of our own. */
async function sendHeld(queue: string, data: { n: number }) {
  const slot = sender.reserve(queue);
  assert.ok(slot, "a slot is free");
  const client = await ownerClient(db.url);
  try {
    await client.query("BEGIN");
    const id = await slot.enqueue(client, data);
    await client.query("COMMIT");
    assert.ok(id);
    return { slot, id };
  } finally {
    await client.end();
  }
}

before(async () => {
  db = await createTestDatabase();
  await installEngineSchema(db.url, QUEUES);
  const start = () => startEngine({ url: db.url, log, queues: QUEUES, poolSize: 4 });
  sender = await start();
  other = await start();
  for (const { name } of QUEUES) {
    const record = async (job: EngineJob<{ n: number }>) => {
      fetched.set(name, [...(fetched.get(name) ?? []), job]);
    };
    await sender.work(name, { concurrency: name === "test.held_slots" ? 1 : 2 }, record);
    await other.work(name, { concurrency: 2 }, record);
  }
});

after(async () => {
  await sender?.stop();
  await other?.stop();
  await db?.drop();
});

describe("held jobs", { concurrency: true }, () => {
  test("a held job is run by its sender alone while the handler runs past its lease, and is gone once the handler completes it", async () => {
    const { slot, id } = await sendHeld("test.held_long", { n: 1 });
    let ran: EngineJob<{ n: number }> | null = null;
    const done = new Promise<void>((resolve, reject) => {
      slot.run<{ n: number }>(async (job) => {
        ran = job;
        try {
          // Past the 10 s lease: only its renewals keep it from the other engine's workers.
          await new Promise((r) => setTimeout(r, 13_000));
          assert.equal(await jobState(id), "created", "never claimed by a fetch");
          const client = await ownerClient(db.url);
          try {
            await client.query("BEGIN");
            await job.complete(client);
            await client.query("COMMIT");
          } finally {
            await client.end();
          }
          resolve();
          return "completed";
        } catch (error) {
          reject(error);
          throw error;
        }
      });
    });
    await done;
    assert.deepEqual(
      ran && { id: (ran as EngineJob<{ n: number }>).id, data: (ran as EngineJob<{ n: number }>).data },
      {
        id,
        data: { n: 1 },
      },
    );
    assert.equal(fetched.get("test.held_long"), undefined, "no fetch took it");
    assert.equal(await jobState(id), null);
  });

  test("a held job whose sender never runs it (its process died) goes to a worker once the lease lapses", async () => {
    const sent = Date.now();
    const { id } = await sendHeld("test.held_dead", { n: 2 });
    const job = await until(
      "the other engine's delivery",
      async () => fetched.get("test.held_dead")?.[0],
      30_000,
      200,
    );
    const waited = Date.now() - sent;
    assert.equal(job.id, id);
    assert.ok(waited >= 9_000, `not before the lease lapsed (${waited} ms)`);
  });

  test("a held job whose handler throws is let go at once", async () => {
    const { slot, id } = await sendHeld("test.held_throw", { n: 3 });
    const thrownAt = Date.now();
    slot.run(async () => {
      throw new Error("the handler failed");
    });
    const job = await until(
      "a delivery of the job let go",
      async () => fetched.get("test.held_throw")?.[0],
      30_000,
      100,
    );
    assert.equal(job.id, id);
    assert.ok(Date.now() - thrownAt < 9_000, "well before the lease would have lapsed");
  });

  test("a reserved slot is taken until run or released", async () => {
    const first = sender.reserve("test.held_slots");
    assert.ok(first);
    assert.equal(sender.reserve("test.held_slots"), null, "the only slot is reserved");
    first.release();
    const again = sender.reserve("test.held_slots");
    assert.ok(again, "released, it is free again");
    again.release();
    assert.equal(sender.reserve("test.unknown"), null);
  });
});
