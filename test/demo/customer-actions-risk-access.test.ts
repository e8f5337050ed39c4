// The demo's risk and access actions over the real HTTP API, on a seeded demo database: who sees
// which actions and their forms, fraud review (list, clear, confirm; an account freeze approved by
// a second analyst, executed once; monitor-mode policies recording what they saw) and make_admin
// (an admin asks, compliance approves; refusals after approval write nothing). Tests share one
// database and run in order (later ones build on earlier effects). Privacy and account
// administration: customer-actions-privacy-accounts.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as F from "../../examples/demo/fixtures.ts";
import {
  assertRefused,
  auditOf,
  decide,
  getAs,
  requestApproval,
  runAction,
  waitForRun,
} from "./demo-airlock-customers.ts";
import { cast, demo, eventTypes, one, sql, withCustomerDemo } from "./support/customer-actions.ts";

describe("demo customer actions", () => {
  withCustomerDemo();

  describe("who sees what", () => {
    test("support sees its own and the accounts actions, not risk, privacy or access", async () => {
      const catalog = await getAs(demo.t, cast.sam, "/api/v1/actions");
      assert.equal(catalog.status, 200);
      const names = catalog.body.actions.map((a: { name: string }) => a.name);
      assert.ok(names.includes("change_customer_email"));
      assert.ok(names.includes("set_account_plan"), "view on accounts");
      for (const hidden of [
        "list_flagged_transactions",
        "clear_fraud_flag",
        "confirm_fraud",
        "export_customer_data",
        "erase_customer",
        "make_admin",
      ])
        assert.ok(!names.includes(hidden), `${hidden} is hidden from support`);

      const risk = await runAction(demo.t, cast.sam, "list_flagged_transactions", {
        accountId: F.ACCOUNT_FLAGGED,
      });
      assert.equal(risk.status, 404, risk.text);
      assert.equal(risk.body.error.code, "action.not_found");
      const erase = await runAction(
        demo.t,
        cast.sam,
        "erase_customer",
        { customerId: F.CUSTOMER_ERASABLE },
        { reason: "ticket 1" },
      );
      assert.equal(erase.body.error.code, "action.not_found");
      const viewOnly = await runAction(demo.t, cast.sam, "set_account_plan", {
        accountId: F.ACCOUNT_LOW,
        plan: "plus",
      });
      assert.equal(viewOnly.status, 403, viewOnly.text);
      assert.equal(viewOnly.body.error.code, "permission.denied");
      const confirm = await runAction(demo.t, cast.sam, "confirm_fraud", {
        transactionId: F.FLAGGED_TRANSACTIONS[0],
        reason: "support should never get here",
      });
      assert.equal(confirm.body.error.code, "action.not_found");
      assert.equal(
        (await one("SELECT plan FROM demo.accounts WHERE id = $1", [F.ACCOUNT_LOW])).plan,
        "basic",
      );
    });

    test("forms: labelled fields, a lookup for feature flags, PII classified", async () => {
      const toggle = await getAs(demo.t, cast.omar, "/api/v1/actions/toggle_feature_flag");
      assert.equal(toggle.status, 200, toggle.text);
      assert.equal(toggle.body.paramsSchema.properties.flag.lookup, "list_feature_flags");
      assert.equal(toggle.body.paramsSchema.properties.accountId.label, "Account");
      const email = await getAs(demo.t, cast.sam, "/api/v1/actions/change_customer_email");
      assert.equal(email.body.paramsSchema.properties.newEmail.pii, "email");
      const flags = await runAction(demo.t, cast.omar, "list_feature_flags", {});
      assert.equal(flags.status, 200, flags.text);
      assert.equal(flags.body.result.options.length, 7);
      assert.ok(flags.body.result.options.some((o: { value: string }) => o.value === "crypto_trading"));
    });
  });

  describe("fraud review (risk)", () => {
    test("list_flagged_transactions: the four flagged transactions, newest flag first", async () => {
      const res = await runAction(demo.t, cast.rita, "list_flagged_transactions", {
        accountId: F.ACCOUNT_FLAGGED,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, "succeeded");
      const rows = res.body.result as { transactionId: string; amountCents: number; merchant: string }[];
      assert.deepEqual(rows.map((r) => r.transactionId).sort(), [...F.FLAGGED_TRANSACTIONS].sort());
      assert.equal(rows[0]!.transactionId, F.FLAGGED_TRANSACTIONS[3], "the casino was flagged last");
      const crypto = rows.find((r) => r.transactionId === F.FLAGGED_TRANSACTIONS[0])!;
      assert.equal(crypto.amountCents, -125_000);
      assert.equal(crypto.merchant, "CoinVault Exchange");

      const missing = await runAction(demo.t, cast.rita, "list_flagged_transactions", {
        accountId: "acc_nope",
      });
      assertRefused(missing, "account_not_found");
    });

    test("clear_fraud_flag: cleared by the analyst with the note; a reviewed one is refused", async () => {
      const txn = F.FLAGGED_TRANSACTIONS[0];
      const res = await runAction(demo.t, cast.rita, "clear_fraud_flag", {
        transactionId: txn,
        reason: "Customer confirmed the crypto purchase by phone.",
      });
      assert.equal(res.status, 200, res.text);
      // Results are scrubbed of anything that looks like an email, staff addresses included.
      assert.equal(res.body.result.reviewedBy, "r•••@airlock.demo");
      const row = await one(
        "SELECT fraud_flag, reviewed_by, review_note FROM demo.transactions WHERE id = $1",
        [txn],
      );
      assert.deepEqual(row, {
        fraud_flag: "cleared",
        reviewed_by: "rita.risk@airlock.demo",
        review_note: "Customer confirmed the crypto purchase by phone.",
      });
      const run = await one("SELECT snapshot_before, snapshot_after FROM airlock.runs WHERE id = $1", [
        res.body.id,
      ]);
      assert.equal((run.snapshot_before as { fraudFlag: string }).fraudFlag, "flagged");
      assert.equal((run.snapshot_after as { fraudFlag: string }).fraudFlag, "cleared");

      const before = await one("SELECT * FROM demo.transactions WHERE id = $1", [F.CLEARED_TRANSACTION]);
      const again = await runAction(demo.t, cast.raj, "clear_fraud_flag", {
        transactionId: F.CLEARED_TRANSACTION,
        reason: "Clearing it a second time should fail.",
      });
      assertRefused(again, "not_flagged");
      assert.match(again.body.error.message, /already cleared/);
      assert.deepEqual(
        await one("SELECT * FROM demo.transactions WHERE id = $1", [F.CLEARED_TRANSACTION]),
        before,
      );
      const failed = await one("SELECT status, error_code FROM airlock.runs WHERE id = $1", [
        again.body.error.details.runId,
      ]);
      assert.deepEqual(failed, { status: "failed", error_code: "domain.not_flagged" });

      const tooShort = await runAction(demo.t, cast.rita, "clear_fraud_flag", {
        transactionId: F.FLAGGED_TRANSACTIONS[1],
        reason: "ok",
      });
      assert.equal(tooShort.status, 422);
      assert.equal(tooShort.body.error.code, "validation.failed");
    });

    test("confirm_fraud: confirms and freezes the card; the monitor policy records it", async () => {
      const txn = F.FLAGGED_TRANSACTIONS[1];
      const res = await runAction(demo.t, cast.rita, "confirm_fraud", {
        transactionId: txn,
        reason: "Customer never bought gift cards; device unknown.",
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, "succeeded");
      assert.deepEqual(
        [res.body.result.fraudFlag, res.body.result.cardStatus, res.body.result.accountStatus],
        ["confirmed", "frozen", "active"],
      );
      assert.equal(
        (await one("SELECT status FROM demo.cards WHERE id = 'card_demo_carol'")).status,
        "frozen",
      );
      assert.equal(
        (await one("SELECT fraud_flag FROM demo.transactions WHERE id = $1", [txn])).fraud_flag,
        "confirmed",
      );
      const events = await auditOf(demo.t, res.body.id);
      const monitored = events.filter((e) => e.type === "policy.would_require_approval");
      assert.deepEqual(
        monitored.map((e) => e.data.policy),
        ["confirm_fraud.second_analyst"],
      );
      assert.ok(events.some((e) => e.type === "run.succeeded"));

      const cleared = await runAction(demo.t, cast.rita, "confirm_fraud", {
        transactionId: F.FLAGGED_TRANSACTIONS[0],
        reason: "Trying to confirm a cleared flag.",
      });
      assertRefused(cleared, "not_flagged");
      assert.equal(
        (await one("SELECT fraud_flag FROM demo.transactions WHERE id = $1", [F.FLAGGED_TRANSACTIONS[0]]))
          .fraud_flag,
        "cleared",
      );
    });

    test("confirm_fraud with an account freeze: a second analyst approves; it runs once", async () => {
      const txn = F.FLAGGED_TRANSACTIONS[2];
      const { runId, approvalId } = await requestApproval(demo.t, cast.rita, "confirm_fraud", {
        transactionId: txn,
        reason: "Velocity burst from a new device; account takeover.",
        freezeAccount: true,
      });
      assert.equal(
        (await one("SELECT status FROM demo.accounts WHERE id = $1", [F.ACCOUNT_FLAGGED])).status,
        "active",
      );

      const view = await getAs(demo.t, cast.raj, `/api/v1/approvals/${approvalId}`);
      assert.equal(view.status, 200, view.text);
      assert.deepEqual(
        view.body.policies.map((p: { name: string }) => p.name),
        ["confirm_fraud.account_freeze"],
      );
      assert.equal(view.body.targetState.available, true);
      assert.equal(view.body.targetState.state.fraudFlag, "flagged");
      assert.equal(view.body.targetState.state.accountStatus, "active");

      const self = await decide(demo.t, cast.rita, approvalId, "approve");
      assert.equal(self.status, 403, self.text);
      assert.equal(self.body.error.code, "approval.self_approval");
      const approved = await decide(demo.t, cast.raj, approvalId, "approve", "agree: takeover pattern");
      assert.equal(approved.status, 200, approved.text);

      const run = await waitForRun(demo.t, runId);
      assert.equal(run.status, "succeeded", run.error_message);
      assert.equal(
        (await one("SELECT status FROM demo.accounts WHERE id = $1", [F.ACCOUNT_FLAGGED])).status,
        "frozen",
      );
      const row = await one("SELECT fraud_flag, reviewed_by FROM demo.transactions WHERE id = $1", [txn]);
      assert.deepEqual(row, { fraud_flag: "confirmed", reviewed_by: "rita.risk@airlock.demo" });
      const types = await eventTypes(runId);
      assert.equal(types.filter((t) => t === "run.succeeded").length, 1, "executed once");
      assert.ok(types.includes("approval.approved"));
    });
  });

  describe("access: make_admin", () => {
    test("an admin asks, compliance approves, the customer becomes an admin once", async () => {
      const { runId, approvalId } = await requestApproval(demo.t, cast.ada, "make_admin", {
        accountId: F.ACCOUNT_BUSINESS,
        customerId: F.CUSTOMER_ALICE,
      });
      assert.equal(
        (
          await sql("SELECT 1 FROM demo.account_admins WHERE account_id = $1 AND customer_id = $2", [
            F.ACCOUNT_BUSINESS,
            F.CUSTOMER_ALICE,
          ])
        ).length,
        0,
      );
      const view = await getAs(demo.t, cast.cora, `/api/v1/approvals/${approvalId}`);
      assert.deepEqual(
        view.body.targetState.state.admins.map((a: { customerId: string }) => a.customerId).sort(),
        [F.CUSTOMER_CAROL, F.CUSTOMER_DAVE],
      );
      const self = await decide(demo.t, cast.ada, approvalId, "approve");
      assert.equal(self.status, 403);
      assert.equal(self.body.error.code, "approval.self_approval");
      const risk = await decide(demo.t, cast.rita, approvalId, "approve");
      assert.equal(risk.status, 404, "a risk analyst may not even see the request");
      assert.equal((await decide(demo.t, cast.cora, approvalId, "approve")).status, 200);
      const run = await waitForRun(demo.t, runId);
      assert.equal(run.status, "succeeded", run.error_message);
      assert.deepEqual(run.result.admins, [F.CUSTOMER_ALICE, F.CUSTOMER_CAROL, F.CUSTOMER_DAVE]);
      const row = await one(
        "SELECT granted_by FROM demo.account_admins WHERE account_id = $1 AND customer_id = $2",
        [F.ACCOUNT_BUSINESS, F.CUSTOMER_ALICE],
      );
      assert.equal(row.granted_by, "ada.admin@airlock.demo");
      assert.equal((await eventTypes(runId)).filter((t) => t === "run.succeeded").length, 1);
    });

    test("refuses an existing admin after approval, writing nothing; others may not run it", async () => {
      const before = await sql(
        "SELECT * FROM demo.account_admins WHERE account_id = $1 ORDER BY customer_id",
        [F.ACCOUNT_BUSINESS],
      );
      const { runId, approvalId } = await requestApproval(demo.t, cast.ada, "make_admin", {
        accountId: F.ACCOUNT_BUSINESS,
        customerId: F.CUSTOMER_CAROL,
      });
      assert.equal((await decide(demo.t, cast.colin, approvalId, "approve")).status, 200);
      const run = await waitForRun(demo.t, runId);
      assert.equal(run.error_code, "domain.already_admin");
      assert.deepEqual(
        await sql("SELECT * FROM demo.account_admins WHERE account_id = $1 ORDER BY customer_id", [
          F.ACCOUNT_BUSINESS,
        ]),
        before,
      );
      const compliance = await runAction(demo.t, cast.cora, "make_admin", {
        accountId: F.ACCOUNT_BUSINESS,
        customerId: F.CUSTOMER_BOB,
      });
      assert.equal(compliance.status, 403, "compliance approves access, it does not grant it");
      assert.equal(compliance.body.error.code, "permission.denied");
    });
  });
});
