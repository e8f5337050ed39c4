import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { purgeExpiredPii } from "../../src/runs/pii-retention.ts";
import { ownerClient } from "../../src/store/database.ts";
import { CANARY, piiWorkspace } from "../support/pii-fixture.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

let t: TestAirlock;
let fraud: TestUser;
let support: TestUser;
let auditor: TestUser;
let runId: string;

before(async () => {
  t = await startTestAirlock({ workspace: piiWorkspace });
  fraud = await createUser(t.airlock.database.pool, { groups: ["fraud"] });
  support = await createUser(t.airlock.database.pool, { groups: ["support"] });
  auditor = await createUser(t.airlock.database.pool, { groups: ["auditors"] });
  const res = await t.post(
    "/api/v1/actions/payment_confirmation/runs",
    { params: { paymentId: "pay_1" } },
    fraud.headers,
  );
  const body = await res.json();
  assert.equal(res.status, 200);
  runId = body.id;
  assert.equal(body.result.card, "400005••••••5556");
  assert.equal(body.result.email, "c•••@example.net");
  assert.equal(body.result.payments[0].card, "400005••••••5556");
  assert.equal(body.result.internalNote, undefined, "fields outside the output schema are dropped");
});
after(async () => {
  await t.close();
});

const reveal = (user: TestUser, path: (string | number)[], reason: string, id = runId) =>
  t.post(`/api/v1/runs/${id}/reveal`, { path, reason }, user.headers);

async function auditOf(type: string) {
  return (
    await t.airlock.database.pool.query(
      "SELECT actor_id, reason, error_code, data FROM airlock.audit_events WHERE type = $1 AND run_id = $2 ORDER BY id",
      [type, runId],
    )
  ).rows;
}

test("an allowed role reveals a classified value with a reason; it is audited without the value and not cacheable", async () => {
  const res = await reveal(fraud, ["result", "card"], "Customer disputes charge, ticket 4711");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(await res.json(), {
    value: CANARY.card,
    piiClass: "card_number",
    path: ["result", "card"],
  });
  const nested = await reveal(fraud, ["result", "payments", 0, "card"], "Check the card on file");
  assert.equal((await nested.json()).value, CANARY.card);
  const events = await auditOf("pii.revealed");
  assert.equal(events.length, 2);
  assert.equal(events[0].actor_id, fraud.id);
  assert.equal(events[0].reason, "Customer disputes charge, ticket 4711");
  assert.deepEqual(events[0].data, { path: ["result", "card"], piiClass: "card_number" });
  assert.doesNotMatch(JSON.stringify(events), new RegExp(CANARY.card));
});

test("refusals are clear and audited: no reason, not a PII field, no grant for the class, not visible", async () => {
  const cases: [TestUser, (string | number)[], string, number, string][] = [
    [fraud, ["result", "card"], "", 422, "pii.reason_required"],
    [fraud, ["result", "code"], "curious about it", 422, "pii.not_classified"],
    [fraud, ["result", "email"], "need to email them", 403, "pii.reveal_denied"],
    [support, ["result", "card"], "need the card please", 404, "run.not_found"],
    [auditor, ["result", "card"], "audit sample check", 403, "pii.reveal_denied"],
  ];
  for (const [user, path, reason, status, code] of cases) {
    const res = await reveal(user, path, reason);
    const body = await res.json();
    assert.equal(res.status, status, `${code}: ${JSON.stringify(body)}`);
    assert.equal(body.error.code, code);
    assert.match(body.error.requestId, /^req_/);
  }
  const denied = await auditOf("pii.reveal_denied");
  assert.deepEqual(
    denied.map((e) => e.error_code),
    ["pii.reason_required", "pii.not_classified", "pii.reveal_denied", "run.not_found", "pii.reveal_denied"],
  );
  const badPath = await t.post(
    `/api/v1/runs/${runId}/reveal`,
    { path: ["secret"], reason: "why not" },
    fraud.headers,
  );
  assert.equal(badPath.status, 422);
});

test("after the retention period the raw value is masked in place and reveals answer pii.not_available", async () => {
  const client = await ownerClient(t.database.url);
  try {
    await client.query("UPDATE airlock.runs SET finished_at = now() - interval '31 days' WHERE id = $1", [
      runId,
    ]);
  } finally {
    await client.end();
  }
  assert.equal(await purgeExpiredPii(t.airlock.database.pool, t.airlock.workspace, 30), 1);
  const raw = await t.airlock.database.pool.query(
    "SELECT params::text, result::text, pii_purged_at FROM airlock.runs WHERE id = $1",
    [runId],
  );
  assert.doesNotMatch(raw.rows[0].result, new RegExp(CANARY.card));
  assert.ok(raw.rows[0].pii_purged_at);
  const res = await reveal(fraud, ["result", "card"], "Customer disputes charge again");
  assert.equal(res.status, 410);
  assert.equal((await res.json()).error.code, "pii.not_available");
});
