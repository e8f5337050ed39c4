// The demo's late fee, as the README walks through it: Maya (support manager) looks up the
// payments more than 30 days late, previews "charge a late fee" on every row (the total per
// currency; an account with two late bills is one item), starts it; Mark, the other support
// manager, approves the batch once (Maya cannot approve her own);
// each account is charged once, in the ledger, and a repeated start with the same key is the
// same batch.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LATE_FEE_CENTS } from "../../examples/demo/actions/charge-late-fee.ts";
import { type CustomerDemo, runAction, startCustomerDemo } from "../demo/demo-airlock-customers.ts";
import { createUser } from "../support/users.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

let demo: CustomerDemo;
before(async () => {
  demo = await startCustomerDemo();
});
after(async () => {
  await demo?.close();
});

test("late fee for every account over 30 days late: preview total, a manager approves, one fee per account", async () => {
  const { t, cast, owner } = demo;
  const mark = await createUser(t.airlock.database.pool, {
    email: "mark.manager@airlock.demo",
    name: "Mark Manager",
    groups: ["support-managers"],
  });
  const found = await runAction(t, cast.maya, "find_late_payments", { minDaysLate: 30, limit: 500 });
  assert.equal(found.status, 200, found.text);
  const rows = found.body.result.latePayments as { accountId: string; currency: string }[];
  const accounts = [...new Set(rows.map((r) => r.accountId))];
  assert.ok(accounts.length > 10, `enough late accounts for the batch policy: ${accounts.length}`);

  const selection = { action: "charge_late_fee", rows };
  const preview = await t.post("/api/v1/bulk/preview", selection, cast.maya.headers);
  const p = (await preview.json()) as Json;
  assert.equal(preview.status, 200, JSON.stringify(p));
  assert.equal(p.count, accounts.length);
  assert.equal(
    p.refused.filter((r: { code: string }) => r.code === "duplicate").length,
    rows.length - accounts.length,
  );
  const expected: Record<string, number> = {};
  for (const id of accounts) {
    const currency = rows.find((r) => r.accountId === id)!.currency;
    expected[currency] = (expected[currency] ?? 0) + LATE_FEE_CENTS;
  }
  assert.deepEqual(p.totals, expected);
  assert.equal(p.needsApproval, true);

  const feesBefore = await owner.query("SELECT count(*)::int AS n FROM demo.journals WHERE kind = 'fee'");
  const start = () =>
    t.post(
      "/api/v1/bulk/start",
      { ...selection, itemSetHash: p.itemSetHash, reason: "Late fees, December" },
      {
        ...cast.maya.headers,
        "idempotency-key": "late-fees-2026-12",
      },
    );
  const started = (await (await start()).json()) as Json;
  assert.equal(started.batch.status, "pending_approval");
  const again = (await (await start()).json()) as Json;
  assert.equal(again.batch.id, started.batch.id);
  assert.equal(again.replayed, true);

  const approve = await t.post(
    `/api/v1/bulk/${started.batch.id}/approve`,
    { reason: "Checked the list" },
    mark.headers,
  );
  assert.equal(approve.status, 200, await approve.text());
  const deadline = Date.now() + 60_000;
  let batch: Json;
  for (;;) {
    batch = (await (
      await t.request(`/api/v1/bulk/${started.batch.id}`, { headers: cast.maya.headers })
    ).json()) as Json;
    if (!["pending_approval", "running"].includes(batch.status)) break;
    assert.ok(Date.now() < deadline, JSON.stringify(batch));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Frozen, closed or overdrawn accounts refuse a fee (domain errors, nothing posted); the rest
  // are charged once each.
  assert.ok(["succeeded", "failed"].includes(batch.status), JSON.stringify(batch));
  assert.equal(batch.counts.succeeded + batch.counts.failed, accounts.length);
  assert.ok(batch.counts.succeeded > 0);
  const items = (await (
    await t.request(`/api/v1/bulk/${started.batch.id}/items?limit=1000`, { headers: cast.maya.headers })
  ).json()) as Json;
  for (const item of items.items.filter((i: Json) => i.status === "failed"))
    assert.match(item.errorCode, /^domain\./, JSON.stringify(item));
  const charged = items.items.filter((i: Json) => i.status === "succeeded").map((i: Json) => i.targetId);
  const fees = await owner.query<{ account_id: string; n: number }>(
    `SELECT e.account_id, count(*)::int AS n FROM demo.journals j JOIN demo.ledger_entries e ON e.journal_id = j.id
      WHERE j.kind = 'fee' AND j.memo = 'Late payment fee' AND e.account_id IS NOT NULL GROUP BY e.account_id`,
  );
  assert.deepEqual(fees.rows.map((r) => r.account_id).sort(), [...charged].sort());
  assert.ok(
    fees.rows.every((r) => r.n === 1),
    "one fee per account",
  );
  const feesAfter = await owner.query("SELECT count(*)::int AS n FROM demo.journals WHERE kind = 'fee'");
  assert.equal(feesAfter.rows[0].n - feesBefore.rows[0].n, charged.length);
});
