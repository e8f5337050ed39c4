// A request that fails because PostgreSQL is out of reach answers 503 service.unavailable with its
// request ID (the client retries with its idempotency key); any other unexpected failure is a 500
// that shows nothing of the error. The errors are real ones, produced against PostgreSQL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { createLogger } from "../../src/observe/logger.ts";
import { createMetrics } from "../../src/observe/metrics.ts";
import { createApp } from "../../src/server/app.ts";
import { ownerClient } from "../../src/store/database.ts";
import { findFreePort } from "../../src/store/embedded-postgres.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

function appThrowing(produce: () => Promise<unknown>) {
  const { app } = createApp({
    log: createLogger({ level: "silent" }),
    metrics: createMetrics(),
    plain: [
      (hono) =>
        hono.post("/api/v1/boom", async () => {
          throw await produce();
        }),
    ],
    routes: [],
  });
  return app;
}

async function refusedConnection(): Promise<unknown> {
  const client = new pg.Client({ host: "127.0.0.1", port: await findFreePort(), user: "x", database: "x" });
  client.on("error", () => {});
  return await client.connect().then(
    () => new Error("connected?"),
    (error: unknown) => error,
  );
}

async function terminatedQuery(): Promise<unknown> {
  const client = await ownerClient(db.url);
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  const pending = client.query("SELECT pg_sleep(30)").then(
    () => new Error("finished?"),
    (error: unknown) => error,
  );
  await new Promise((r) => setTimeout(r, 100));
  const admin = await ownerClient(db.url);
  await admin.query("SELECT pg_terminate_backend($1)", [pid]);
  await admin.end();
  const error = await pending;
  await client.end().catch(() => {});
  return error;
}

for (const [name, produce] of [
  ["a refused connection (ECONNREFUSED)", refusedConnection],
  ["a query whose backend was shut down (57P01)", terminatedQuery],
  [
    "a lost socket (Connection terminated unexpectedly)",
    async () => new Error("Connection terminated unexpectedly"),
  ],
] as const) {
  test(`${name} answers 503 service.unavailable with the request's ID`, async () => {
    const app = appThrowing(produce);
    const res = await app.request("/api/v1/boom", {
      method: "POST",
      headers: { "x-request-id": "req-failover-0001" },
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("x-request-id"), "req-failover-0001");
    const body = await res.json();
    assert.equal(body.error.code, "service.unavailable");
    assert.equal(body.error.requestId, "req-failover-0001");
    assert.match(body.error.message, /cannot reach its database/);
  });
}

test("a statement error is not an outage: 500 internal, nothing of the error shown", async () => {
  const app = appThrowing(async () => {
    const client = await ownerClient(db.url);
    try {
      return await client.query("SELECT * FROM no_such_table").then(
        () => new Error("found?"),
        (error: unknown) => error,
      );
    } finally {
      await client.end();
    }
  });
  const res = await app.request("/api/v1/boom", { method: "POST" });
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.equal(JSON.parse(text).error.code, "internal");
  assert.doesNotMatch(text, /no_such_table/);
});
