import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ownerClient } from "../../src/store/database.ts";
import { CANARY, piiWorkspace } from "../support/pii-fixture.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

// Planted canaries (a Luhn-valid test card, an SSN in the never-issued 900 range, an email) go
// through parameters, results, snapshots, error messages, validation failures and approval
// requests; afterwards they must appear nowhere a person or a log reader could see them: not in
// logs, not in audit rows, not in any API response (exports too, when present) — except the one
// response to a permitted reveal.

let t: TestAirlock;
let support: TestUser;
let fraud: TestUser;
let manager: TestUser;
let auditor: TestUser;
const responses: string[] = [];

before(async () => {
  t = await startTestAirlock({ workspace: piiWorkspace, env: { AIRLOCK_RUN_WAIT_MS: "5000" } });
  support = await createUser(t.airlock.database.pool, { groups: ["support"] });
  fraud = await createUser(t.airlock.database.pool, { groups: ["fraud"] });
  manager = await createUser(t.airlock.database.pool, { groups: ["managers"] });
  auditor = await createUser(t.airlock.database.pool, { groups: ["auditors"] });
});
after(async () => {
  await t.close();
});

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await t.request(path, init);
  responses.push(`${path} ${res.status} ${await res.clone().text()}`);
  return res;
}

const post = (user: TestUser, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, { method: "POST", headers: { ...user.headers, ...headers }, body: JSON.stringify(body) });

function leaks(text: string): string[] {
  const found: string[] = [];
  const variants = [
    CANARY.card,
    CANARY.card.replace(/(\d{4})(?=\d)/g, "$1 "),
    CANARY.ssn,
    CANARY.ssn.replaceAll("-", ""),
    CANARY.email,
  ];
  for (const v of variants) if (text.includes(v)) found.push(v);
  return found;
}

test("canaries never leak into logs, audit rows or API responses", async () => {
  const runIds: string[] = [];
  // A result full of PII (plus a snapshot with it, and a field outside the output schema).
  const confirmation = await (
    await post(fraud, "/api/v1/actions/payment_confirmation/runs", { params: { paymentId: "pay_9" } })
  ).json();
  runIds.push(confirmation.id);
  // PII in parameters and snapshots, through the queued path.
  const updated = await (
    await post(support, "/api/v1/actions/update_contact/runs", {
      params: { customerId: "cus_1", email: CANARY.email, ssn: CANARY.ssn },
    })
  ).json();
  assert.equal(updated.status, "succeeded", JSON.stringify(updated));
  runIds.push(updated.id);
  // PII in an approval request.
  const held = await (
    await post(support, "/api/v1/actions/update_contact/runs", {
      params: { customerId: "vip_1", email: CANARY.email, ssn: CANARY.ssn },
      reason: "customer asked",
    })
  ).json();
  assert.equal(held.status, "pending_approval");
  runIds.push(held.id);
  // PII in a domain error message and in a crash.
  for (const domain of [true, false]) {
    const failed = await (
      await post(support, "/api/v1/actions/explode/runs", { params: { card: CANARY.card, domain } })
    ).json();
    assert.ok(failed.error);
    runIds.push(failed.error.details.runId);
  }
  // PII in a request that fails validation (wrong type for ssn, unknown field carrying an email).
  await post(support, "/api/v1/actions/update_contact/runs", {
    params: { customerId: "c", email: CANARY.email, ssn: 900123456, extra: CANARY.email },
  });
  await post(support, "/api/v1/actions/update_contact/runs", {
    params: { customerId: "cus_2", email: "not-an-email", ssn: CANARY.ssn },
  });
  // Reading it all back: runs, lists, the approval (when the approvals API exists), the audit.
  for (const user of [support, fraud, manager, auditor]) {
    await call("/api/v1/runs?limit=200", { headers: user.headers });
    for (const id of runIds) await call(`/api/v1/runs/${id}`, { headers: user.headers });
    await call("/api/v1/approvals?status=pending", { headers: user.headers });
    if (held.approvalRequestId)
      await call(`/api/v1/approvals/${held.approvalRequestId}`, { headers: user.headers });
    await call("/api/v1/audit?limit=500", { headers: user.headers });
    await call("/api/v1/audit/export?format=csv", { headers: user.headers });
    await call("/api/v1/audit/export?format=jsonl", { headers: user.headers });
  }
  // A refused reveal (no reason) mentions nothing either.
  await post(fraud, `/api/v1/runs/${confirmation.id}/reveal`, { path: ["result", "card"], reason: "" });

  // The one permitted place: a reveal by a role holding reveal:card_number, with a reason.
  const reveal = await t.post(
    `/api/v1/runs/${confirmation.id}/reveal`,
    { path: ["result", "card"], reason: "chargeback investigation" },
    fraud.headers,
  );
  assert.equal((await reveal.json()).value, CANARY.card);

  assert.deepEqual(leaks(responses.join("\n")), [], "API responses");
  assert.deepEqual(leaks(t.logText()), [], "log lines");
  const client = await ownerClient(t.database.url);
  try {
    const audit = await client.query("SELECT t::text AS row FROM airlock.audit_events t");
    assert.ok(audit.rowCount! > 10);
    assert.deepEqual(leaks(audit.rows.map((r) => r.row).join("\n")), [], "audit rows");
    const approvals = await client.query("SELECT t::text AS row FROM airlock.approval_requests t");
    assert.deepEqual(leaks(approvals.rows.map((r) => r.row).join("\n")), [], "approval requests");
  } finally {
    await client.end();
  }
});
