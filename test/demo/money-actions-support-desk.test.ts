// The demo's support-desk money actions over the real HTTP API, on the seeded demo data: a credit
// (at once under $100, held for a support manager above: the requester cannot approve, a reviewer
// does, it posts once; a replay of an Idempotency-Key posts nothing twice), late payments and
// deposit status read, and the card number of a payment confirmation masked and revealed only to
// a support manager, with a reason. Refunds, transfers and payment fixes:
// money-actions-payments.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as F from "../../examples/demo/fixtures.ts";
import { getJson, postJson, runAction } from "./demo-airlock-money.ts";
import {
  agent,
  approveAndRun,
  assertRefused,
  balance,
  demo,
  journalCount,
  journalsWithReference,
  manager,
  t,
  withMoneyDemo,
} from "./support/money-actions.ts";

withMoneyDemo();

describe("issue_credit [support]", () => {
  test("a support agent credits $25 at once; the journal's reference is the idempotency key; a replay posts nothing", async () => {
    const before = await balance(F.ACCOUNT_ALICE);
    const key = "credit-alice-25";
    const res = await runAction(
      t,
      agent,
      "issue_credit",
      { accountId: F.ACCOUNT_ALICE, amountCents: 2_500 },
      {
        key,
        reason: "late delivery apology",
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.result.balanceCents, before + 2_500);
    assert.equal(res.body.result.currency, "USD");
    assert.equal(await balance(F.ACCOUNT_ALICE), before + 2_500);
    const posted = await journalsWithReference(`${agent.id}:${key}`);
    assert.deepEqual(
      posted.map((j) => [j.kind, j.posted_by, j.memo]),
      [["credit", agent.email, "Goodwill credit"]],
    );

    const replay = await runAction(
      t,
      agent,
      "issue_credit",
      { accountId: F.ACCOUNT_ALICE, amountCents: 2_500 },
      {
        key,
        reason: "late delivery apology",
      },
    );
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    assert.equal(replay.body.id, res.body.id);
    assert.equal(await balance(F.ACCOUNT_ALICE), before + 2_500, "credited once");
    assert.equal((await journalsWithReference(`${agent.id}:${key}`)).length, 1);
  });

  test("needs a reason; refuses a closed or unknown account and writes nothing", async () => {
    const noReason = await runAction(t, agent, "issue_credit", {
      accountId: F.ACCOUNT_ALICE,
      amountCents: 100,
    });
    assert.equal(noReason.status, 422);
    assert.equal(noReason.body.error.code, "validation.failed");

    const journals = await journalCount();
    const closed = await runAction(
      t,
      agent,
      "issue_credit",
      { accountId: F.ACCOUNT_CLOSED, amountCents: 500 },
      {
        reason: "goodwill",
      },
    );
    assertRefused(closed, "account_closed");
    assert.match(closed.body.error.message, /acc_demo_closed is closed/);
    const missing = await runAction(
      t,
      agent,
      "issue_credit",
      { accountId: "acc_nobody", amountCents: 500 },
      {
        reason: "goodwill",
      },
    );
    assertRefused(missing, "account_not_found");
    assert.equal(await balance(F.ACCOUNT_CLOSED), 0);
    assert.equal(await journalCount(), journals, "nothing posted");
  });

  test("over $100: held for a support manager; the agent cannot approve; approved, it posts once", async () => {
    const before = await balance(F.ACCOUNT_ALICE);
    const { run, view, approvalId } = await approveAndRun(
      agent,
      manager,
      "issue_credit",
      { accountId: F.ACCOUNT_ALICE, amountCents: 25_000, memo: "Outage credit" },
      { key: "credit-alice-250", reason: "outage on 1 November" },
    );
    assert.equal(run.status, "succeeded", run.error_message);
    assert.equal(view.targetState.available, true);
    assert.equal(view.targetState.state.balanceCents, before, "the reviewer saw the current balance");
    assert.deepEqual(
      view.policies.map((p: { name: string; quorum: number }) => [p.name, p.quorum]),
      [["issue_credit.approval", 1]],
    );
    assert.equal(await balance(F.ACCOUNT_ALICE), before + 25_000);
    assert.equal((await journalsWithReference(`${agent.id}:credit-alice-250`)).length, 1);
    // Decided: a second approval changes nothing.
    const again = await postJson(t, manager, `/api/v1/approvals/${approvalId}/approve`, {});
    assert.equal(again.status, 409);
    assert.equal(await balance(F.ACCOUNT_ALICE), before + 25_000, "executed once");
  });
});

describe("find_late_payments and deposit_status [support]", () => {
  test("late bills of Erin's account, most overdue first; an unknown account is refused", async () => {
    const res = await runAction(t, agent, "find_late_payments", { accountId: F.ACCOUNT_LATE });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const rows = res.body.result.latePayments;
    assert.deepEqual(
      rows.map((r: { billId: string; delinquent: boolean; period: string }) => [
        r.billId,
        r.delinquent,
        r.period,
      ]),
      [
        [F.BILL_DELINQUENT, true, "2026-09-01"],
        [F.BILL_LATE, false, "2026-10-01"],
      ],
    );
    assert.equal(rows[0].amountDueCents, 999);
    assert.ok(rows[0].daysLate > rows[1].daysLate);
    assert.equal(res.body.result.total, 2);

    const all = await runAction(t, agent, "find_late_payments", { delinquentOnly: true, limit: 5 });
    assert.equal(all.status, 200);
    assert.ok(all.body.result.total >= 6, `delinquent bills: ${all.body.result.total}`);
    assert.equal(all.body.result.shown, 5);
    assert.ok(all.body.result.latePayments.every((r: { delinquent: boolean }) => r.delinquent));

    const days = await runAction(t, agent, "find_late_payments", { minDaysLate: 100_000 });
    assert.equal(days.status, 422, "minDaysLate is bounded");

    assertRefused(
      await runAction(t, agent, "find_late_payments", { accountId: "acc_nobody" }),
      "account_not_found",
    );
  });

  test("deposit status for a month, and the last months without one", async () => {
    const october = await runAction(t, agent, "deposit_status", {
      accountId: F.ACCOUNT_LATE,
      month: "2026-10",
    });
    assert.equal(october.status, 200, JSON.stringify(october.body));
    assert.deepEqual(
      october.body.result.deposits.map((d: { depositId: string; status: string }) => [d.depositId, d.status]),
      [[F.DEPOSIT_LATE, "late"]],
    );
    assert.match(
      october.body.result.summary,
      /2026-10: \$1,850\.00 from Globex Payroll was expected on .* late/,
    );

    const recent = await runAction(t, agent, "deposit_status", { accountId: F.ACCOUNT_LATE });
    assert.deepEqual(
      recent.body.result.deposits.map((d: { month: string; status: string }) => [d.month, d.status]),
      [
        ["2026-11", "pending"],
        ["2026-10", "late"],
        ["2026-09", "failed"],
      ],
    );
    assert.match(recent.body.result.deposits[2].failureReason, /R02/);

    const alice = await runAction(t, agent, "deposit_status", {
      accountId: F.ACCOUNT_ALICE,
      month: "2026-08",
    });
    assert.equal(alice.body.result.deposits[0].status, "received");
    assert.equal(alice.body.result.deposits[0].receivedCents, 240_000);

    const bad = await runAction(t, agent, "deposit_status", { accountId: F.ACCOUNT_LATE, month: "2026-13" });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, "validation.failed");
    assertRefused(
      await runAction(t, agent, "deposit_status", { accountId: "acc_nobody" }),
      "account_not_found",
    );
  });
});

describe("payment_confirmation [support]", () => {
  const PAN = "4242424242424242";

  test("the card number is masked for everyone, revealed to a support manager with a reason, refused to the agent", async () => {
    const reads = Number((await demo.owner("SELECT count(*) AS n FROM demo.card_vault_reads")).rows[0].n);
    const res = await runAction(t, agent, "payment_confirmation", {
      confirmationCode: "cnf-demo-0001",
      reason: "customer asks about the coffee charge",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const result = res.body.result;
    assert.equal(result.paymentId, F.PAYMENT_1);
    assert.equal(result.confirmationCode, F.PAYMENT_1_CONFIRMATION);
    assert.equal(result.merchant, "Bean There Coffee Roasters");
    assert.equal(result.cardNumber, "424242••••••4242");
    assert.equal(result.cardLast4, F.CARD_ALICE_LAST4);
    assert.equal(result.customerEmail, "a•••@example.com");
    assert.notEqual(result.customerName, "Alice Martin");
    const shown = await getJson(t, agent, `/api/v1/runs/${res.body.id}`);
    assert.doesNotMatch(JSON.stringify([res.body, shown.body]), new RegExp(`${PAN}|alice\\.martin|Martin`));
    // The vault read is logged with who and why.
    const logged = await demo.owner(
      "SELECT card_id, read_by, reason FROM demo.card_vault_reads ORDER BY id DESC LIMIT 1",
    );
    assert.deepEqual(
      { ...logged.rows[0] },
      {
        card_id: F.CARD_ALICE,
        read_by: agent.email,
        reason: "customer asks about the coffee charge",
      },
    );
    assert.equal(
      Number((await demo.owner("SELECT count(*) AS n FROM demo.card_vault_reads")).rows[0].n),
      reads + 1,
    );

    const revealed = await postJson(t, manager, `/api/v1/runs/${res.body.id}/reveal`, {
      path: ["result", "cardNumber"],
      reason: "customer disputes the charge, ticket 4711",
    });
    assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
    assert.equal(revealed.body.value, PAN);
    assert.equal(revealed.headers.get("cache-control"), "no-store");

    const refused = await postJson(t, agent, `/api/v1/runs/${res.body.id}/reveal`, {
      path: ["result", "cardNumber"],
      reason: "I would like to see it",
    });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "pii.reveal_denied");
    const noReason = await postJson(t, manager, `/api/v1/runs/${res.body.id}/reveal`, {
      path: ["result", "cardNumber"],
      reason: "",
    });
    assert.equal(noReason.status, 422);
    assert.doesNotMatch(t.logText(), new RegExp(PAN));
  });

  test("an unknown payment is refused; exactly one of id and code", async () => {
    assertRefused(
      await runAction(t, agent, "payment_confirmation", {
        paymentId: "pay_nothing",
        reason: "customer asks about it",
      }),
      "payment_not_found",
    );
    const both = await runAction(t, agent, "payment_confirmation", {
      paymentId: F.PAYMENT_1,
      confirmationCode: F.PAYMENT_1_CONFIRMATION,
      reason: "customer asks about it",
    });
    assert.equal(both.status, 422);
    assert.equal(both.body.error.code, "validation.failed");
    const shortReason = await runAction(t, agent, "payment_confirmation", {
      paymentId: F.PAYMENT_1,
      reason: "why",
    });
    assert.equal(shortReason.status, 422);
  });
});
