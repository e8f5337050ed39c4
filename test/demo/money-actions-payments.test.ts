// The demo's payments and treasury actions over the real HTTP API, on the seeded demo data: each
// action's happy path, a refusal that writes nothing, and the approval path where there is one
// (the requester cannot approve, a reviewer does, it executes once and the ledger moves once);
// replays of an Idempotency-Key move nothing twice; the generated form and the ledger's
// constraint names turned into domain codes. Support-desk actions: money-actions-support-desk.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { postingRefusals, translatingConstraints } from "../../examples/demo/actions/money-helpers.ts";
import * as F from "../../examples/demo/fixtures.ts";
import { ActionError } from "../../src/sdk/index.ts";
import { getJson, postJson, runAction, waitForRun } from "./demo-airlock-money.ts";
import {
  agent,
  approveAndRun,
  assertRefused,
  balance,
  demo,
  journalCount,
  journalsWithReference,
  manager,
  ops,
  ops2,
  t,
  withMoneyDemo,
} from "./support/money-actions.ts";

withMoneyDemo();

describe("refund_merchant_payment [payments]", () => {
  test("ops refunds part of a payment; refunds.reference is the idempotency key; a replay refunds nothing more", async () => {
    const before = await balance(F.ACCOUNT_ALICE);
    const key = "refund-coffee-10";
    const res = await runAction(
      t,
      ops,
      "refund_merchant_payment",
      {
        paymentId: F.PAYMENT_1,
        amountCents: 1_000,
        reason: "one bag arrived damaged",
      },
      { key },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.refundedCents, 1_000);
    assert.equal(res.body.result.remainingCents, F.PAYMENT_1_AMOUNT_CENTS - 1_000);
    assert.equal(await balance(F.ACCOUNT_ALICE), before + 1_000);
    const refunds = await demo.owner(
      "SELECT id, amount_cents, status, requested_by FROM demo.refunds WHERE reference = $1",
      [`${ops.id}:${key}`],
    );
    assert.deepEqual(
      refunds.rows.map((r) => [r.id, Number(r.amount_cents), r.status, r.requested_by]),
      [[res.body.result.refundId, 1_000, "succeeded", ops.email]],
    );
    assert.equal((await journalsWithReference(`${ops.id}:${key}`))[0].kind, "refund");

    const replay = await runAction(
      t,
      ops,
      "refund_merchant_payment",
      {
        paymentId: F.PAYMENT_1,
        amountCents: 1_000,
        reason: "one bag arrived damaged",
      },
      { key },
    );
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    assert.equal(replay.body.id, res.body.id);
    assert.equal(await balance(F.ACCOUNT_ALICE), before + 1_000, "refunded once");
    const refunded = await demo.owner("SELECT refunded_cents FROM demo.payments WHERE id = $1", [
      F.PAYMENT_1,
    ]);
    assert.equal(Number(refunded.rows[0].refunded_cents), 1_000);
  });

  test("refuses more than is left, a payment that did not succeed, a disputed one; a support agent may not run it", async () => {
    const before = await balance(F.ACCOUNT_ALICE);
    const refunds = Number((await demo.owner("SELECT count(*) AS n FROM demo.refunds")).rows[0].n);
    const over = await runAction(t, ops, "refund_merchant_payment", {
      paymentId: F.PAYMENT_1,
      amountCents: F.PAYMENT_1_AMOUNT_CENTS,
      reason: "customer wants it all back",
    });
    assertRefused(over, "refund_exceeds_remaining");
    assert.match(over.body.error.message, /Only \$32\.50 of payment pay_demo_1 is left to refund/);

    const failed = (
      await demo.owner("SELECT id FROM demo.payments WHERE status = 'failed' ORDER BY id LIMIT 1")
    ).rows[0].id;
    assertRefused(
      await runAction(t, ops, "refund_merchant_payment", {
        paymentId: failed,
        amountCents: 100,
        reason: "never charged anyway",
      }),
      "payment_not_refundable",
    );
    assertRefused(
      await runAction(t, ops, "refund_merchant_payment", {
        paymentId: F.PAYMENT_DISPUTED,
        amountCents: 100,
        reason: "monitor never arrived",
      }),
      "payment_disputed",
    );
    assertRefused(
      await runAction(t, ops, "refund_merchant_payment", {
        paymentId: "pay_nothing",
        amountCents: 100,
        reason: "no such payment",
      }),
      "payment_not_found",
    );
    const agentTry = await runAction(t, agent, "refund_merchant_payment", {
      paymentId: F.PAYMENT_1,
      amountCents: 100,
      reason: "agents only view payments",
    });
    assert.equal(agentTry.status, 403);
    assert.equal(agentTry.body.error.code, "permission.denied");
    assert.equal(await balance(F.ACCOUNT_ALICE), before);
    assert.equal(Number((await demo.owner("SELECT count(*) AS n FROM demo.refunds")).rows[0].n), refunds);
  });

  test("over $500: a support manager approves; the refund is made once", async () => {
    const candidate = (
      await demo.owner(
        `SELECT p.id, p.account_id, p.amount_cents FROM demo.payments p JOIN demo.accounts a ON a.id = p.account_id
          WHERE p.status = 'succeeded' AND p.refunded_cents = 0 AND p.amount_cents > 50000 AND a.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM demo.disputes d WHERE d.payment_id = p.id AND d.status = 'open')
          ORDER BY p.id LIMIT 1`,
      )
    ).rows[0];
    assert.ok(candidate, "the seed has a succeeded payment over $500");
    const amount = Number(candidate.amount_cents);
    const before = await balance(candidate.account_id);
    const { run, view } = await approveAndRun(
      ops,
      manager,
      "refund_merchant_payment",
      { paymentId: candidate.id, amountCents: amount, reason: "order cancelled by merchant" },
      { key: "refund-big" },
    );
    assert.equal(run.status, "succeeded", run.error_message);
    assert.equal(view.targetState.state.paymentId, candidate.id);
    assert.equal(view.targetState.state.status, "succeeded");
    assert.equal(await balance(candidate.account_id), before + amount);
    const made = await demo.owner("SELECT count(*) AS n FROM demo.refunds WHERE reference = $1", [
      `${ops.id}:refund-big`,
    ]);
    assert.equal(Number(made.rows[0].n), 1);
    assert.equal(run.result.remainingCents, 0);
  });
});

describe("move_money [treasury]", () => {
  test("every transfer waits for another ops member; approved, it moves the money once; a replay moves nothing", async () => {
    const [alice, low] = [await balance(F.ACCOUNT_ALICE), await balance(F.ACCOUNT_LOW)];
    const params = {
      fromAccountId: F.ACCOUNT_ALICE,
      toAccountId: F.ACCOUNT_LOW,
      amountCents: 10_000,
      reason: "customer moves savings, ticket 77",
    };
    // A support manager is not a reviewer of treasury actions.
    const asked = await runAction(t, ops, "move_money", params, { key: "move-alice-bob" });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const stranger = await postJson(
      t,
      manager,
      `/api/v1/approvals/${asked.body.approvalRequestId}/approve`,
      {},
    );
    assert.ok([403, 404].includes(stranger.status), JSON.stringify(stranger.body));
    const self = await postJson(t, ops, `/api/v1/approvals/${asked.body.approvalRequestId}/approve`, {});
    assert.equal(self.body.error.code, "approval.self_approval");
    const view = await getJson(t, ops2, `/api/v1/approvals/${asked.body.approvalRequestId}`);
    assert.equal(view.body.targetState.state.accountId, F.ACCOUNT_ALICE);
    assert.equal(view.body.canDecide, true);
    const approved = await postJson(t, ops2, `/api/v1/approvals/${asked.body.approvalRequestId}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const run = await waitForRun(t, asked.body.id, ["succeeded", "failed"]);
    assert.equal(run.status, "succeeded", run.error_message);
    assert.deepEqual(run.snapshot_before, {
      from: { accountId: F.ACCOUNT_ALICE, balanceCents: alice },
      to: { accountId: F.ACCOUNT_LOW, balanceCents: low },
    });
    assert.equal(await balance(F.ACCOUNT_ALICE), alice - 10_000);
    assert.equal(await balance(F.ACCOUNT_LOW), low + 10_000);
    const posted = await journalsWithReference(`${ops.id}:move-alice-bob`);
    assert.deepEqual(
      posted.map((j) => [j.kind, j.posted_by, j.memo]),
      [["transfer", ops.email, "customer moves savings, ticket 77"]],
    );

    const replay = await runAction(t, ops, "move_money", params, { key: "move-alice-bob" });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    assert.equal(replay.body.id, asked.body.id);
    assert.equal(await balance(F.ACCOUNT_ALICE), alice - 10_000, "moved once");
    assert.equal((await journalsWithReference(`${ops.id}:move-alice-bob`)).length, 1);
  });

  test("refusals after approval write nothing: insufficient funds, a closed account, another currency", async () => {
    const low = await balance(F.ACCOUNT_LOW);
    const eur = (
      await demo.owner(
        "SELECT id FROM demo.accounts WHERE currency = 'EUR' AND status = 'active' ORDER BY id LIMIT 1",
      )
    ).rows[0].id as string;
    const journals = await journalCount();
    const cases: [Record<string, unknown>, string][] = [
      [
        { fromAccountId: F.ACCOUNT_LOW, toAccountId: F.ACCOUNT_ALICE, amountCents: low + 1 },
        "insufficient_funds",
      ],
      [{ fromAccountId: F.ACCOUNT_ALICE, toAccountId: F.ACCOUNT_CLOSED, amountCents: 100 }, "account_closed"],
      [{ fromAccountId: F.ACCOUNT_ALICE, toAccountId: eur, amountCents: 100 }, "currency_mismatch"],
    ];
    const balances = async () => [
      await balance(F.ACCOUNT_LOW),
      await balance(F.ACCOUNT_ALICE),
      await balance(F.ACCOUNT_CLOSED),
      await balance(eur),
    ];
    const before = await balances();
    for (const [params, code] of cases) {
      const { run } = await approveAndRun(ops, ops2, "move_money", {
        ...params,
        reason: "testing a refusal",
      });
      assert.equal(run.status, "failed");
      assert.equal(run.error_code, `domain.${code}`, run.error_message);
    }
    assert.deepEqual(await balances(), before);
    assert.equal(await journalCount(), journals, "nothing posted");

    // The same account never gets as far as a reviewer.
    const same = await runAction(t, ops, "move_money", {
      fromAccountId: F.ACCOUNT_ALICE,
      toAccountId: F.ACCOUNT_ALICE,
      amountCents: 100,
      reason: "round trip for fun",
    });
    assert.equal(same.status, 422);
    assert.equal(same.body.error.code, "validation.failed");
  });

  test("a business account may overdraw within its plan's limit", async () => {
    const business = await balance(F.ACCOUNT_BUSINESS);
    const amount = business + F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS / 2;
    const { run } = await approveAndRun(ops, ops2, "move_money", {
      fromAccountId: F.ACCOUNT_BUSINESS,
      toAccountId: F.ACCOUNT_TRIAL,
      amountCents: amount,
      reason: "pay the trial account's invoice",
    });
    assert.equal(run.status, "succeeded", run.error_message);
    assert.equal(await balance(F.ACCOUNT_BUSINESS), -F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS / 2);
  });
});

describe("override_payment [payments]", () => {
  test("a failed payment forced to succeeded books it, after a support manager approves", async () => {
    const candidate = (
      await demo.owner(
        `SELECT p.id, p.account_id, p.amount_cents FROM demo.payments p JOIN demo.accounts a ON a.id = p.account_id
          WHERE p.status = 'failed' AND a.status = 'active' AND a.balance_cents >= p.amount_cents
          ORDER BY p.id LIMIT 1`,
      )
    ).rows[0];
    assert.ok(candidate, "the seed has a failed payment on a funded account");
    const before = await balance(candidate.account_id);
    const { run, view } = await approveAndRun(
      ops,
      manager,
      "override_payment",
      {
        paymentId: candidate.id,
        status: "succeeded",
        reason: "issuer confirmed the authorization",
      },
      { key: "override-1" },
    );
    assert.equal(run.status, "succeeded", run.error_message);
    assert.equal(view.targetState.state.status, "failed");
    assert.equal(await balance(candidate.account_id), before - Number(candidate.amount_cents));
    const payment = (
      await demo.owner("SELECT status, status_reason, journal_id FROM demo.payments WHERE id = $1", [
        candidate.id,
      ])
    ).rows[0];
    assert.equal(payment.status, "succeeded");
    assert.equal(payment.status_reason, "issuer confirmed the authorization");
    const journal = await journalsWithReference(`${ops.id}:override-1`);
    assert.deepEqual(
      journal.map((j) => [Number(j.id), j.kind]),
      [[Number(payment.journal_id), "payment"]],
    );
  });

  test("a succeeded payment reversed gets its journal's mirror image; impossible transitions are refused", async () => {
    const candidate = (
      await demo.owner(
        `SELECT p.id, p.account_id, p.amount_cents, p.journal_id FROM demo.payments p
           JOIN demo.accounts a ON a.id = p.account_id
          WHERE p.status = 'succeeded' AND p.refunded_cents = 0 AND a.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM demo.disputes d WHERE d.payment_id = p.id)
          ORDER BY p.id DESC LIMIT 1`,
      )
    ).rows[0];
    const before = await balance(candidate.account_id);
    const { run } = await approveAndRun(
      ops,
      manager,
      "override_payment",
      {
        paymentId: candidate.id,
        status: "reversed",
        reason: "merchant never delivered, bank confirmed",
      },
      { key: "override-reverse" },
    );
    assert.equal(run.status, "succeeded", run.error_message);
    assert.equal(await balance(candidate.account_id), before + Number(candidate.amount_cents));
    const reversal = await demo.owner("SELECT reverses_journal_id FROM demo.journals WHERE reference = $1", [
      `${ops.id}:override-reverse`,
    ]);
    assert.equal(Number(reversal.rows[0].reverses_journal_id), Number(candidate.journal_id));

    // reversed is final; a partly refunded payment is not reversed.
    const journals = await journalCount();
    for (const [paymentId, status, code] of [
      [candidate.id, "succeeded", "transition_not_allowed"],
      [F.PAYMENT_1, "reversed", "payment_refunded"],
      [F.PAYMENT_1, "succeeded", "status_unchanged"],
    ] as const) {
      const { run: refused } = await approveAndRun(ops, manager, "override_payment", {
        paymentId,
        status,
        reason: "testing a refusal here",
      });
      assert.equal(refused.error_code, `domain.${code}`, refused.error_message);
    }
    assert.equal(await journalCount(), journals);
    const status = await demo.owner("SELECT status FROM demo.payments WHERE id = $1", [candidate.id]);
    assert.equal(status.rows[0].status, "reversed");
  });
});

describe("clear_delinquent_payment [payments]", () => {
  test("a support manager clears a delinquent bill with who and why; a bill that is not delinquent is refused", async () => {
    const res = await runAction(t, manager, "clear_delinquent_payment", {
      billId: F.BILL_DELINQUENT,
      reason: "payment arrangement agreed, case 5512",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.delinquent, false);
    const bill = (
      await demo.owner(
        "SELECT status, delinquent, cleared_by, clear_reason, cleared_at FROM demo.bills WHERE id = $1",
        [F.BILL_DELINQUENT],
      )
    ).rows[0];
    assert.equal(bill.status, "late", "still due");
    assert.equal(bill.delinquent, false);
    assert.equal(bill.cleared_by, manager.email);
    assert.equal(bill.clear_reason, "payment arrangement agreed, case 5512");
    assert.ok(bill.cleared_at);

    const again = await runAction(t, manager, "clear_delinquent_payment", {
      billId: F.BILL_DELINQUENT,
      reason: "clearing it a second time",
    });
    assertRefused(again, "bill_not_delinquent");
    assert.match(again.body.error.message, /was cleared on/);
    const late = await runAction(t, manager, "clear_delinquent_payment", {
      billId: F.BILL_LATE,
      reason: "not delinquent at all",
    });
    assertRefused(late, "bill_not_delinquent");
    const unchanged = (
      await demo.owner("SELECT delinquent, cleared_at FROM demo.bills WHERE id = $1", [F.BILL_LATE])
    ).rows[0];
    assert.deepEqual({ ...unchanged }, { delinquent: false, cleared_at: null });
    assertRefused(
      await runAction(t, manager, "clear_delinquent_payment", {
        billId: "bill_nothing",
        reason: "there is no such bill",
      }),
      "bill_not_found",
    );
    const agentTry = await runAction(t, agent, "clear_delinquent_payment", {
      billId: F.BILL_LATE,
      reason: "agents only view payments",
    });
    assert.equal(agentTry.status, 403);
  });
});

describe("forms and the database's refusals", () => {
  test("the generated form knows money fields, labels and the approval", async () => {
    const res = await getJson(t, agent, "/api/v1/actions/issue_credit");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const amount = res.body.paramsSchema.properties.amountCents;
    assert.equal(amount.widget, "money");
    assert.equal(amount.label, "Amount");
    assert.equal(res.body.reasonRequired, true);
  });

  test("constraint names raised by the ledger become domain codes; other errors stay bugs", async () => {
    const raise = (constraint: string) => async () => {
      throw Object.assign(new Error("account acc_x is closed: it cannot be posted to"), { constraint });
    };
    const refusals = postingRefusals("USD");
    for (const [constraint, code] of [
      ["accounts_overdraft", "insufficient_funds"],
      ["accounts_postable", "account_not_postable"],
      ["journals_reference_key", "already_posted"],
      ["ledger_entries_account_fkey", "currency_mismatch"],
    ]) {
      await assert.rejects(translatingConstraints(raise(constraint!), refusals), (error: unknown) => {
        assert.ok(error instanceof ActionError);
        assert.equal(error.code, code);
        return true;
      });
    }
    await assert.rejects(translatingConstraints(raise("something_else"), refusals), (error: unknown) => {
      assert.ok(!(error instanceof ActionError));
      return true;
    });
  });
});
