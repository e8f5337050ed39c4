// The subject access request: every masked personal field of a run revealed at once with one
// reason, audited once (the fields, never the values), returned once and stored nowhere; refused
// whole, naming what is missing, for someone without every needed reveal grant.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CANARY, piiWorkspace } from "../support/pii-fixture.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

// Privacy officers may reveal every class on the payment confirmation; fraud only card numbers.
const workspace = {
  ...piiWorkspace,
  roles: { ...piiWorkspace.roles, privacy: { groups: ["privacy"] } },
  grants: [
    ...(piiWorkspace.grants ?? []),
    { to: "privacy", verbs: ["view", "audit", "reveal:*"], on: { action: "payment_confirmation" } },
  ],
} as typeof piiWorkspace;

let t: TestAirlock;
let fraud: TestUser;
let privacy: TestUser;
let support: TestUser;
let runId: string;

before(async () => {
  t = await startTestAirlock({ workspace });
  const pool = t.airlock.database.pool;
  fraud = await createUser(pool, { groups: ["fraud"] });
  privacy = await createUser(pool, { groups: ["privacy"] });
  support = await createUser(pool, { groups: ["support"] });
  const res = await t.post(
    "/api/v1/actions/payment_confirmation/runs",
    { params: { paymentId: "pay_1" } },
    fraud.headers,
  );
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.result.email, "c•••@example.net");
  runId = body.id;
});
after(async () => {
  await t.close();
});

const revealAll = (user: TestUser, reason: string, id = runId) =>
  t.post(`/api/v1/runs/${id}/reveal-all`, { reason }, user.headers);

async function auditOf(type: string) {
  return (
    await t.airlock.database.pool.query(
      "SELECT actor_id, reason, error_code, data FROM airlock.audit_events WHERE type = $1 AND run_id = $2 ORDER BY id",
      [type, runId],
    )
  ).rows;
}

/** Rows per table of Airlock's schema: what a request left behind. */
async function rowCounts(): Promise<Record<string, number>> {
  const pool = t.airlock.database.pool;
  const tables = (
    await pool.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'airlock' ORDER BY tablename",
    )
  ).rows;
  const counts: Record<string, number> = {};
  for (const { name } of tables)
    counts[name] = (await pool.query(`SELECT count(*)::int AS n FROM airlock."${name}"`)).rows[0].n;
  return counts;
}

test("someone missing a needed reveal grant is refused whole, told which grants are missing, and nothing is revealed", async () => {
  const res = await revealAll(fraud, "Subject access request SAR-2291");
  const text = await res.text();
  assert.equal(res.status, 403, text);
  const body = JSON.parse(text);
  assert.equal(body.error.code, "pii.reveal_all_denied");
  assert.match(body.error.message, /reveal:email/);
  assert.doesNotMatch(body.error.message, /reveal:card_number/, "only what is missing is named");
  assert.deepEqual(body.error.details, { missing: ["reveal:email"] });
  assert.ok(!text.includes(CANARY.card) && !text.includes(CANARY.email), "no value in the refusal");
  const denied = await auditOf("pii.reveal_denied");
  assert.equal(denied.length, 1);
  assert.equal(denied[0].error_code, "pii.reveal_all_denied");
  assert.deepEqual(denied[0].data.missing, ["reveal:email"]);
  assert.deepEqual(await auditOf("pii.revealed"), []);

  // A run the caller cannot see answers as if it did not exist.
  const hidden = await revealAll(support, "Subject access request SAR-2291");
  assert.equal(hidden.status, 404);
  assert.equal((await hidden.json()).error.code, "run.not_found");
  // Without a reason nothing is revealed either.
  const noReason = await revealAll(privacy, "sar");
  assert.equal(noReason.status, 422);
  assert.equal((await noReason.json()).error.code, "pii.reason_required");
});

test("a holder of every needed grant reveals all personal fields with one reason: audited once without values, not cacheable, stored nowhere", async () => {
  const before = await rowCounts();
  const reason = `SAR-2291 for ${CANARY.email}`;
  const res = await revealAll(privacy, reason);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = JSON.parse(text);
  assert.equal(body.runId, runId);
  assert.equal(body.result.card, CANARY.card);
  assert.equal(body.result.email, CANARY.email);
  assert.equal(body.result.payments[0].card, CANARY.card);
  assert.deepEqual(body.params, { paymentId: "pay_1" });
  assert.deepEqual(body.fields, [
    { path: ["result", "card"], piiClass: "card_number", values: 1 },
    { path: ["result", "email"], piiClass: "email", values: 1 },
    { path: ["result", "payments", "*", "card"], piiClass: "card_number", values: 1 },
  ]);

  // One audit event naming the fields, with the reason scrubbed, and no value in it.
  const revealed = await auditOf("pii.revealed");
  assert.equal(revealed.length, 1);
  assert.equal(revealed[0].actor_id, privacy.id);
  assert.equal(revealed[0].reason, "SAR-2291 for c•••@example.net");
  assert.deepEqual(revealed[0].data, {
    scope: "all",
    fields: [
      { path: "result.card", piiClass: "card_number", values: 1 },
      { path: "result.email", piiClass: "email", values: 1 },
      { path: "result.payments.*.card", piiClass: "card_number", values: 1 },
    ],
  });
  assert.ok(!JSON.stringify(revealed).includes(CANARY.card));

  // Nothing kept: the only new row anywhere in Airlock's schema is that audit event, and no
  // table holds the raw email. (The audit sealer and the event consumers' cursors move in the
  // background on their own; they hold hashes and positions, and are searched below too.)
  const after = await rowCounts();
  const background = new Set(["audit_seals", "event_consumers"]);
  const grown = Object.keys(after).filter((name) => after[name] !== before[name] && !background.has(name));
  assert.deepEqual(grown, ["audit_events"]);
  assert.equal(after.audit_events! - before.audit_events!, 1);
  for (const name of Object.keys(after)) {
    const hits = await t.airlock.database.pool.query(
      `SELECT count(*)::int AS n FROM airlock."${name}" x WHERE x::text LIKE $1`,
      [`%${CANARY.email}%`],
    );
    assert.equal(hits.rows[0].n, 0, `airlock.${name} holds the raw email`);
  }
});
