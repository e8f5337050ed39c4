// Resources on the real app and real PostgreSQL, through the demo workspace's own stand-ins (the
// core ledger database and the payments provider, both local): a refund reaches the provider with
// the run's request ID and idempotency key and is never made twice; an unknown outcome is retried
// safely; an outage is downstream.unavailable and shows in the six questions; the SQL action masks
// its PII columns and an injection corpus changes nothing; the provider's key never leaves.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import * as F from "../../examples/demo/fixtures.ts";
import { coreLedger, payments } from "../../examples/demo/resources.ts";
import demoWorkspace from "../../examples/demo/workspace.ts";
import { defineResource, defineWorkspace } from "../../src/sdk/index.ts";
import { type DemoAirlock, getJson, runAction, startDemoAirlock } from "../demo/demo-airlock-money.ts";

let demo: DemoAirlock;
let providerUrl: string;
let apiKey: string;
const responses: string[] = [];

// The demo's provider resource with a short timeout, so "slow" is quick to reach.
const workspace = defineWorkspace({
  ...demoWorkspace,
  resources: [coreLedger, defineResource({ ...payments, timeout: "1s" })],
});

before(async () => {
  demo = await startDemoAirlock({ workspace, users: { manager: ["support-managers"], analyst: ["risk"] } });
  const secrets = demo.t.services!.secrets;
  providerUrl = secrets.PAYMENTS_API_URL!;
  apiKey = secrets.PAYMENTS_API_KEY!;
});
after(async () => {
  await demo?.close();
});

async function run(
  user: "manager" | "analyst",
  action: string,
  params: Record<string, unknown>,
  key?: string,
) {
  const res = await runAction(demo.t, demo.users[user]!, action, params, key === undefined ? {} : { key });
  responses.push(JSON.stringify(res.body));
  return res;
}

async function provider(path: string, method = "GET") {
  const res = await fetch(`${providerUrl}${path}`, { method });
  return (await res.json()) as {
    entries: {
      path: string;
      requestId: string | null;
      idempotencyKey: string | null;
      replayed: boolean;
      status: number;
    }[];
    refunds: { id: string; payment: string; amount: number }[];
  };
}

const refundedOf = async (payment: string) =>
  Number(
    (await demo.owner("SELECT refunded_cents FROM demo.payments WHERE id = $1", [payment])).rows[0]
      .refunded_cents,
  );

test("a refund reaches the provider with the run's request ID and idempotency key; a retry refunds nothing twice", async () => {
  const before = await refundedOf(F.PAYMENT_1);
  const first = await run(
    "manager",
    "refund_merchant_payment",
    { paymentId: F.PAYMENT_1, amountCents: 300, reason: "ticket 4711" },
    "refund-once",
  );
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.match(first.body.result.providerRefundId, /^re_/);
  const log = await provider("/demo/log");
  const call = log.entries.filter((e) => e.path === "/v1/refunds");
  assert.equal(call.length, 1);
  assert.equal(call[0]!.requestId, first.body.requestId, "X-Request-Id is the run's request ID");
  assert.equal(
    call[0]!.idempotencyKey,
    `${demo.users.manager!.id}:refund-once`,
    "Idempotency-Key is the run's key",
  );

  const again = await run(
    "manager",
    "refund_merchant_payment",
    { paymentId: F.PAYMENT_1, amountCents: 300, reason: "ticket 4711" },
    "refund-once",
  );
  assert.equal(again.headers.get("idempotent-replayed"), "true");
  assert.equal((await provider("/demo/log")).refunds.length, 1, "the provider refunded once");
  assert.equal(await refundedOf(F.PAYMENT_1), before + 300, "the ledger refunded once");
});

test("a timeout after the provider acted is outcome unknown; the retry with the same key completes it without a second refund", async () => {
  const refundsBefore = (await provider("/demo/log")).refunds.length;
  const before = await refundedOf(F.PAYMENT_1);
  await provider("/demo/slow?ms=2500", "POST");
  const params = { paymentId: F.PAYMENT_1, amountCents: 200, reason: "late answer" };
  const slow = await run("manager", "refund_merchant_payment", params, "refund-slow");
  await provider("/demo/slow?ms=0", "POST");
  assert.equal(slow.body.error?.code, "downstream.timeout", JSON.stringify(slow.body));
  assert.equal(slow.body.error.details.outcomeUnknown, true);
  assert.equal(slow.body.error.details.idempotencyKey, `${demo.users.manager!.id}:refund-slow`);
  assert.equal((await provider("/demo/log")).refunds.length, refundsBefore + 1, "the provider did refund");
  assert.equal(await refundedOf(F.PAYMENT_1), before, "the ledger side rolled back with the failed run");

  const retry = await run("manager", "refund_merchant_payment", params, "refund-slow");
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.notEqual(
    retry.headers.get("idempotent-replayed"),
    "true",
    "the unknown outcome is re-executed, not replayed",
  );
  const log = await provider("/demo/log");
  assert.equal(log.refunds.length, refundsBefore + 1, "no second refund at the provider");
  const last = log.entries.filter((e) => e.path === "/v1/refunds").at(-1)!;
  assert.equal(last.replayed, true, "the provider answered from its stored response");
  assert.equal(await refundedOf(F.PAYMENT_1), before + 200, "the ledger posted once");
});

test("a provider outage is downstream.unavailable, nothing is posted, and the six questions name it", async () => {
  const before = await refundedOf(F.PAYMENT_1);
  await provider("/demo/outage?on=1", "POST");
  const down = await run("manager", "refund_merchant_payment", {
    paymentId: F.PAYMENT_1,
    amountCents: 100,
    reason: "outage test",
  });
  await provider("/demo/outage?on=0", "POST");
  assert.equal(down.status, 503);
  assert.equal(down.body.error.code, "downstream.unavailable");
  assert.equal(down.body.error.details.resource, "payments");
  assert.equal(down.body.error.details.status, 503);
  assert.equal(await refundedOf(F.PAYMENT_1), before);
  const runs = await getJson(
    demo.t,
    demo.users.manager!,
    "/api/v1/runs?action=refund_merchant_payment&status=failed",
  );
  const failed = runs.body.runs.find(
    (r: { error: { code: string } | null }) => r.error?.code === "downstream.unavailable",
  );
  assert.ok(failed, "the failed run is listed with its downstream code");
  const detail = await getJson(demo.t, demo.users.manager!, `/api/v1/runs/${failed.id}`);
  responses.push(JSON.stringify(detail.body));
  assert.equal(detail.body.accountability.changed.error.code, "downstream.unavailable");
  assert.equal(detail.body.accountability.changed.error.details.resource, "payments");
  assert.ok(
    detail.body.accountability.audit.events.some(
      (e: { errorCode: string | null }) => e.errorCode === "downstream.unavailable",
    ),
  );
});

test("the SQL action lists flagged accounts across customers with names, emails and IBANs masked", async () => {
  const res = await run("analyst", "all_flagged_accounts", {});
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const rows = res.body.result.rows as Record<string, string>[];
  assert.ok(rows.length >= 5);
  assert.equal(res.body.result.moreRows, false);
  const ledger = demo.t.services!.secrets.CORE_LEDGER_URL!;
  const client = new pg.Client({ connectionString: ledger });
  await client.connect();
  try {
    const truth = await client.query(
      "SELECT holder_email, holder_name, iban FROM public.ledger_accounts WHERE flagged",
    );
    assert.equal(truth.rowCount, rows.length);
    const text = JSON.stringify(res.body);
    for (const row of truth.rows) {
      assert.ok(!text.includes(row.holder_email), "no raw email in the result");
      assert.ok(!text.includes(row.holder_name), "no raw name in the result");
      assert.ok(!text.includes(row.iban), "no raw IBAN in the result");
    }
    for (const row of rows) assert.notEqual(row.holder_email, undefined);
    // The resource's role can read but not write, and the resource runs read-only anyway.
    await assert.rejects(client.query("DELETE FROM public.ledger_accounts"), /permission denied/);
  } finally {
    await client.end();
  }
  const narrowed = await run("analyst", "all_flagged_accounts", { reasonContains: "velocity" });
  assert.ok(narrowed.body.result.rows.length >= 1);
  assert.ok(
    narrowed.body.result.rows.every((r: { flag_reason: string }) => r.flag_reason.includes("velocity")),
  );
});

test("an injection corpus in a SQL action's parameter changes nothing and matches nothing", async () => {
  const corpus = [
    "'; DROP TABLE public.ledger_accounts; --",
    "%' OR '1'='1",
    "x' UNION SELECT current_user, 'a', 'b', 'c', 1, 'USD', 'r', now()::text --",
    "*/ DELETE FROM public.ledger_accounts /*",
    "velocity'; SELECT pg_sleep(5); --",
    "\u02bc OR 1=1 --",
    "\uff07; DROP TABLE public.ledger_accounts; --",
    "$1; $$ DROP $$",
    "\\'; TRUNCATE public.ledger_accounts; --",
  ];
  for (const value of corpus) {
    const res = await run("analyst", "all_flagged_accounts", { reasonContains: value });
    assert.equal(res.status, 200, `${value}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(res.body.result.rows, [], value);
  }
  const all = await run("analyst", "all_flagged_accounts", {});
  assert.ok(all.body.result.rows.length >= 5, "the table is untouched");
  const typed = await run("analyst", "all_flagged_accounts", { reasonContains: 42 });
  assert.equal(typed.status, 422, "parameters are type-checked before any query");
  assert.equal(typed.body.error.code, "validation.failed");
});

test("the HTTP action maps the provider's answer and masks the receipt email", async () => {
  const res = await run("manager", "provider_payment_status", { paymentId: F.PAYMENT_1 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.result.id, F.PAYMENT_1);
  assert.ok(res.body.result.refundedCents >= 500);
  assert.ok(!JSON.stringify(res.body).includes(`customer.${F.PAYMENT_1.slice(-6)}@example.com`));
  // Found by the run's request ID: an earlier test's slow call may be logged after this one.
  const logged = (await provider("/demo/log")).entries.filter((e) => e.requestId === res.body.requestId);
  assert.equal(logged.length, 1, "the provider saw the run's request ID once");
  assert.equal(logged[0]!.idempotencyKey, null, "a GET carries no idempotency key");
});

test("the provider's API key never appears in responses, logs, audit rows or runs", async () => {
  assert.ok(apiKey.length > 20);
  const haystacks = [
    responses.join("\n"),
    demo.t.logText(),
    JSON.stringify((await demo.owner("SELECT * FROM airlock.audit_events")).rows),
    JSON.stringify((await demo.owner("SELECT * FROM airlock.runs")).rows),
  ];
  const exported = await demo.t.request("/api/v1/audit/export?format=jsonl", {
    headers: demo.users.manager!.headers,
  });
  haystacks.push(await exported.text());
  for (const text of haystacks) assert.equal(text.includes(apiKey), false);
  assert.ok(responses.length > 10, "the scan saw the answers");
});
