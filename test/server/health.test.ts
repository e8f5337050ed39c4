import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";

let t: TestAirlock;
before(async () => {
  t = await startTestAirlock();
});
after(async () => {
  await t.close();
});

test("/healthz answers while the process is up", async () => {
  const res = await t.request("/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.match(res.headers.get("x-request-id") ?? "", /^req_/);
});

test("/readyz is 200 with the database up and migrations applied, 503 when one is missing", async () => {
  const ok = await t.request("/readyz");
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).status, "ready");

  const client = await ownerClient(t.database.url);
  try {
    await client.query("DELETE FROM airlock.schema_migrations WHERE version = 4");
    const res = await t.request("/readyz");
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.status, "not_ready");
    assert.match(body.checks.migrations.detail, /0004_audit/);
  } finally {
    await client.query(
      "INSERT INTO airlock.schema_migrations (scope, version, name, checksum) VALUES ('airlock', 4, 'audit', 'restored')",
    );
    await client.end();
  }
});

test("unknown paths get the error envelope with the request ID, never a stack", async () => {
  const res = await t.request("/api/v1/nothing-here", { headers: { "X-Request-Id": "support-ticket-4711" } });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-request-id"), "support-ticket-4711");
  assert.deepEqual(await res.json(), {
    error: {
      code: "request.not_found",
      message: "There is nothing at this address.",
      requestId: "support-ticket-4711",
    },
  });
});

test("a malformed inbound request ID is replaced, and traceparent's trace id is used", async () => {
  const forged = await t.request("/healthz", { headers: { "X-Request-Id": "bad id <script>" } });
  assert.match(forged.headers.get("x-request-id") ?? "", /^req_[0-9A-Z]{26}$/);
  const traced = await t.request("/healthz", {
    headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
  });
  assert.equal(traced.headers.get("x-request-id"), "req_4bf92f3577b34da6a3ce929d0e0e4736");
});

test("/metrics exposes Prometheus text with request counts", async () => {
  await t.request("/healthz");
  const res = await t.request("/metrics");
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /airlock_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
});
