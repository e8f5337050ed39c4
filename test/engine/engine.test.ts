// The engine facade against real PostgreSQL: a job enqueued in a committed transaction runs once,
// a rolled-back one never exists, a cancelled job never runs, and a schedule read in a time zone
// ticks once across two engines (two processes) on one database; each engine listens for jobs on
// one connection, through which a job sent by another process wakes its worker.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINE_SCHEMA, type Engine, startEngine } from "../../src/engine/engine.ts";
import { installEngineSchema } from "../../src/engine/install-engine-schema.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, queryAsOwner, type TestDatabase } from "../support/test-database.ts";
import { until as waitFor } from "../support/until.ts";

const QUEUES = ["test.once", "test.rollback", "test.cancel", "test.schedule", "test.tick", "test.wake"].map(
  (name) => ({
    name,
    heartbeatSeconds: 10,
    expireInSeconds: 60,
    retryLimit: 0,
  }),
);
const log = createLogger({ level: "silent" });

let db: TestDatabase;
const engines: Engine[] = [];

async function engine(): Promise<Engine> {
  const started = await startEngine({
    url: db.url,
    log,
    queues: QUEUES,
    poolSize: 4,
    scheduleCheckSeconds: 1,
  });
  engines.push(started);
  return started;
}

/** Polls `check` until it returns a value, failing with `what` after `timeoutMs`. */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  waitFor(what, check, timeoutMs, 100);

const sql = <T = Record<string, unknown>>(text: string, values: unknown[] = []) =>
  queryAsOwner<T>(db.url, text, values);

async function jobStates(queue: string): Promise<{ id: string; state: string }[]> {
  return await sql(
    `SELECT id::text, state::text FROM ${ENGINE_SCHEMA}.job WHERE name = $1 ORDER BY created_on`,
    [queue],
  );
}

/** Enqueues inside a transaction of our own, as the control layer does, and ends it as asked. */
async function enqueueIn(e: Engine, queue: string, data: object, end: "COMMIT" | "ROLLBACK") {
  const client = await ownerClient(db.url);
  try {
    await client.query("BEGIN");
    const id = await e.enqueue(client, queue, data);
    await client.query(end);
    return id;
  } finally {
    await client.end();
  }
}

before(async () => {
  db = await createTestDatabase();
  await installEngineSchema(db.url, QUEUES);
});

after(async () => {
  for (const e of engines) await e.stop();
  await db.drop();
});

describe("engine", () => {
  test("a job enqueued in a committed transaction runs once, with its data", async () => {
    const e = await engine();
    const seen: unknown[] = [];
    await e.work<{ n: number }>("test.once", { concurrency: 2 }, async (job) => {
      seen.push(job.data);
    });
    const id = await enqueueIn(e, "test.once", { n: 7 }, "COMMIT");
    assert.ok(id);
    e.wake("test.once");
    await until("the job to complete", async () =>
      (await jobStates("test.once")).find((j) => j.state === "completed") ? true : undefined,
    );
    assert.deepEqual(seen, [{ n: 7 }]);
    assert.deepEqual(await jobStates("test.once"), [{ id, state: "completed" }]);
  });

  test("a job enqueued in a rolled-back transaction does not exist", async () => {
    const e = await engine();
    await enqueueIn(e, "test.rollback", { n: 1 }, "ROLLBACK");
    assert.deepEqual(await jobStates("test.rollback"), []);
  });

  test("a cancelled job never runs; cancelling it again reports nothing cancelled", async () => {
    const e = await engine();
    const cancelled = await enqueueIn(e, "test.cancel", { which: "cancelled" }, "COMMIT");
    assert.ok(cancelled);
    assert.equal(await e.cancel("test.cancel", cancelled), true);
    assert.equal(await e.cancel("test.cancel", cancelled), false);

    // The worker starts after the cancel; a job queued behind the cancelled one shows it has looked.
    const seen: unknown[] = [];
    await e.work<{ which: string }>("test.cancel", { concurrency: 1 }, async (job) => {
      seen.push(job.data.which);
    });
    await enqueueIn(e, "test.cancel", { which: "later" }, "COMMIT");
    e.wake("test.cancel");
    await until("the later job to run", async () => (seen.includes("later") ? true : undefined));
    assert.deepEqual(seen, ["later"]);
    assert.equal((await jobStates("test.cancel")).find((j) => j.id === cancelled)?.state, "cancelled");
  });

  test("a schedule is stored with its time zone and listed; unschedule removes it", async () => {
    const e = await engine();
    await e.schedule("test.schedule", "30 9 * * 1-5", {
      timeZone: "Europe/Berlin",
      data: { report: "daily" },
    });
    assert.deepEqual(await e.schedules("test.schedule"), [
      {
        queue: "test.schedule",
        key: "",
        cron: "30 9 * * 1-5",
        timeZone: "Europe/Berlin",
        data: { report: "daily" },
      },
    ]);
    await e.unschedule("test.schedule");
    assert.deepEqual(await e.schedules("test.schedule"), []);
  });

  test("a schedule unknown to the engine's queues is refused", async () => {
    const e = await engine();
    await assert.rejects(
      e.schedule("no.such.queue", "* * * * *", { timeZone: "UTC" }),
      /unknown queue no\.such\.queue/,
    );
  });

  test("two engines on one database with the same schedule produce one job for one occurrence", async () => {
    const a = await engine();
    const b = await engine();
    // One occurrence, one second ago, written as wall-clock time in New York: it stays due for
    // 60 s and the next one is a day away, so exactly one job is right. Were the time zone ignored
    // (read as UTC), the occurrence would be hours away and no job would come at all.
    const zone = "America/New_York";
    const cron = cronAt(new Date(Date.now() - 1000), zone);
    await a.schedule("test.tick", cron, { timeZone: zone, data: { tick: 1 } });
    await b.schedule("test.tick", cron, { timeZone: zone, data: { tick: 1 } });

    const runs: string[] = [];
    await a.work("test.tick", { concurrency: 1 }, async () => {
      runs.push("a");
    });
    await b.work("test.tick", { concurrency: 1 }, async () => {
      runs.push("b");
    });
    await until("the scheduled job to run", async () => (runs.length > 0 ? true : undefined));

    // Every further cron pass (one a second, claimed by either engine) still finds the occurrence
    // due and files it again; four more passes give each engine its chances to send it twice.
    const passes = new Set<string>();
    await until("four more cron passes", async () => {
      const [row] = await sql<{ cron_on: string }>(`SELECT cron_on::text FROM ${ENGINE_SCHEMA}.version`);
      if (row) passes.add(row.cron_on);
      return passes.size > 4 ? true : undefined;
    });
    // What those passes filed has been forwarded to the queue, and what reached the queue has run.
    await until("pg-boss to forward every filed occurrence", async () =>
      (await jobStates("__pgboss__send-it")).every((j) => j.state === "completed") ? true : undefined,
    );
    await until("the queue to be idle", async () =>
      (await jobStates("test.tick")).every((j) => j.state === "completed") ? true : undefined,
    );
    assert.equal((await jobStates("test.tick")).length, 1);
    assert.equal(runs.length, 1);
  });

  test("each engine listens for jobs on one connection, which wakes its worker for a job another engine sent", async () => {
    const sender = await engine();
    const worker = await engine();
    // A listener's last statement is its LISTEN, or, from 10 s on, pg-boss's heartbeat on it.
    const [listening] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'airlock-engine'
          AND (query ILIKE 'LISTEN%' OR query ILIKE '%pg_listening_channels()%')`,
    );
    assert.equal(listening?.n, engines.length, "one LISTEN connection per live engine");

    const ran: number[] = [];
    await worker.work("test.wake", { concurrency: 1 }, async () => {
      ran.push(Date.now());
    });
    // The worker's first fetch has found nothing; its next poll is 5 s away.
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = Date.now();
    await enqueueIn(sender, "test.wake", {}, "COMMIT");
    await until("the job to run", async () => (ran.length > 0 ? true : undefined), 10_000);
    assert.ok(
      ran[0]! - sentAt < 3_000,
      `woken by the other engine's NOTIFY, not the poll: ${ran[0]! - sentAt} ms`,
    );
  });
});

/** A six-field cron expression (seconds first) matching `instant` as wall-clock time in `zone`. */
function cronAt(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hour12: false,
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    day: "numeric",
    month: "numeric",
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return `${part("second")} ${part("minute")} ${part("hour") % 24} ${part("day")} ${part("month")} *`;
}
