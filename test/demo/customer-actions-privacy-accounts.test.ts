// The demo's privacy, support and account-administration actions over the real HTTP API, on a
// seeded demo database: a customer's data exported with PII masked (revealed to compliance) and
// erased after approval (the ledger untouched), an email changed with a before/after snapshot,
// trials, feature flags, plans and new accounts (idempotent in the API and in the domain), domain
// refusals that write nothing and monitor-mode policies. Tests share one database and run in
// order (later ones build on earlier effects: the erased customer is refused afterwards). Risk and
// access: customer-actions-risk-access.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accountIdFor, createAccount } from "../../examples/demo/actions/create-account.ts";
import * as F from "../../examples/demo/fixtures.ts";
import type { HandlerContext } from "../../src/sdk/index.ts";
import { openDatabase } from "../../src/store/database.ts";
import {
  assertRefused,
  auditOf,
  decide,
  getAs,
  postAs,
  requestApproval,
  runAction,
  waitForRun,
} from "./demo-airlock-customers.ts";
import { cast, demo, eventTypes, one, sql, withCustomerDemo } from "./support/customer-actions.ts";

const DAY_MS = 86_400_000;

describe("demo customer actions", () => {
  withCustomerDemo();

  describe("privacy", () => {
    test("export_customer_data: everything about Alice, PII masked; compliance may reveal a field", async () => {
      const noReason = await runAction(demo.t, cast.cora, "export_customer_data", {
        customerId: F.CUSTOMER_ALICE,
      });
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.error.code, "validation.failed");

      const res = await runAction(
        demo.t,
        cast.cora,
        "export_customer_data",
        { customerId: F.CUSTOMER_ALICE },
        { reason: "DSAR ticket PRIV-101" },
      );
      assert.equal(res.status, 200, res.text);
      const data = res.body.result;
      assert.equal(data.customerId, F.CUSTOMER_ALICE);
      assert.equal(data.profile.name, "A••• M•••");
      assert.equal(data.profile.email, "a•••@example.com");
      assert.equal(data.profile.ssn, "•••-••-3456");
      assert.match(data.profile.phone, /^•+42$/);
      assert.match(data.profile.addressLine1, /address hidden/);
      assert.match(data.profile.dateOfBirth, /^•+-•+-•+$/);
      assert.equal(data.profile.country, "US");
      for (const raw of [
        "Alice Martin",
        "alice.martin@example.com",
        "900-12-3456",
        "+15035550142",
        "Harbor View",
        "1988-04-12",
        "Acme Corp",
      ])
        assert.ok(!res.text.includes(raw), `the response does not contain ${raw}`);
      const account = data.accounts.find((a: { accountId: string }) => a.accountId === F.ACCOUNT_ALICE);
      assert.equal(account.balanceCents, F.ACCOUNT_ALICE_BALANCE_CENTS);
      assert.deepEqual(
        data.cards.map((c: { cardId: string; last4: string }) => [c.cardId, c.last4]),
        [[F.CARD_ALICE, F.CARD_ALICE_LAST4]],
      );
      assert.ok(data.payments.some((p: { paymentId: string }) => p.paymentId === F.PAYMENT_1));
      assert.equal(data.transactions.length, 6);
      assert.ok(data.ledgerEntries.length > 0);
      assert.equal(data.monthlyDeposits.length, 4);
      assert.match(data.monthlyDeposits[0].source, /hidden text/);
      assert.equal(data.bills.length, 4);

      const shown = await getAs(demo.t, cast.cora, `/api/v1/runs/${res.body.id}`);
      assert.equal(shown.body.result.profile.ssn, "•••-••-3456");
      const audit = JSON.stringify(await auditOf(demo.t, res.body.id));
      assert.ok(!audit.includes("900-12-3456") && !audit.includes("Alice Martin"), "the audit is masked");

      const revealed = await postAs(demo.t, cast.colin, `/api/v1/runs/${res.body.id}/reveal`, {
        path: ["result", "profile", "ssn"],
        reason: "verify identity for DSAR PRIV-101",
      });
      assert.equal(revealed.status, 200, revealed.text);
      assert.equal(revealed.body.value, "900-12-3456");

      const missing = await runAction(
        demo.t,
        cast.cora,
        "export_customer_data",
        { customerId: "cus_nobody" },
        { reason: "DSAR ticket PRIV-102" },
      );
      assertRefused(missing, "customer_not_found");
    });

    test("erase_customer: compliance approves; Erin becomes a tombstone, the ledger is untouched", async () => {
      const ledgerBefore = await one<{ journals: number; entries: number; balance: string }>(
        `SELECT (SELECT count(*)::int FROM demo.journals) AS journals,
                (SELECT count(*)::int FROM demo.ledger_entries) AS entries,
                (SELECT balance_cents FROM demo.accounts WHERE id = $1) AS balance`,
        [F.ACCOUNT_LATE],
      );
      const { runId, approvalId } = await requestApproval(
        demo.t,
        cast.cora,
        "erase_customer",
        { customerId: F.CUSTOMER_ERASABLE },
        "Erasure request PRIV-200, identity verified",
      );
      assert.equal(
        (await one("SELECT status FROM demo.customers WHERE id = $1", [F.CUSTOMER_ERASABLE])).status,
        "active",
      );

      const view = await getAs(demo.t, cast.colin, `/api/v1/approvals/${approvalId}`);
      assert.equal(view.body.targetState.state.erasable, "yes");
      assert.equal(view.body.targetState.state.activeCards, 1);
      assert.ok(!view.text.includes("Erin Walsh"), "the reviewer's view has no raw name");

      const self = await decide(demo.t, cast.cora, approvalId, "approve");
      assert.equal(self.status, 403);
      assert.equal(self.body.error.code, "approval.self_approval");
      const approved = await decide(demo.t, cast.colin, approvalId, "approve", "PRIV-200 verified");
      assert.equal(approved.status, 200, approved.text);
      const run = await waitForRun(demo.t, runId);
      assert.equal(run.status, "succeeded", run.error_message);
      assert.equal(run.result.cardsCancelled, 1);
      assert.equal(run.result.accountsRetained, 1);
      assert.equal((await eventTypes(runId)).filter((t) => t === "run.succeeded").length, 1, "executed once");

      const erin = await one("SELECT * FROM demo.customers WHERE id = $1", [F.CUSTOMER_ERASABLE]);
      assert.equal(erin.status, "erased");
      for (const column of ["name", "email", "phone", "ssn", "address_line1", "date_of_birth"])
        assert.equal(erin[column], null, column);
      assert.equal(
        (await one("SELECT status FROM demo.cards WHERE id = 'card_demo_erin'")).status,
        "cancelled",
      );
      const vault = await one<{ n: number }>(
        "SELECT count(*)::int AS n FROM demo.card_vault v JOIN demo.cards c ON c.token = v.token WHERE c.id = 'card_demo_erin'",
      );
      assert.equal(vault.n, 0, "the card number is shredded");
      const ledgerAfter = await one<{ journals: number; entries: number; balance: string }>(
        `SELECT (SELECT count(*)::int FROM demo.journals) AS journals,
                (SELECT count(*)::int FROM demo.ledger_entries) AS entries,
                (SELECT balance_cents FROM demo.accounts WHERE id = $1) AS balance`,
        [F.ACCOUNT_LATE],
      );
      assert.deepEqual(ledgerAfter, ledgerBefore, "accounts and ledger are retained as they were");
      assert.equal(
        (
          await one<{ n: number }>("SELECT count(*)::int AS n FROM demo.bills WHERE account_id = $1", [
            F.ACCOUNT_LATE,
          ])
        ).n,
        3,
      );
    });

    test("erase_customer refusals: an open dispute, an already erased customer (after approval)", async () => {
      const priyaBefore = await one("SELECT * FROM demo.customers WHERE id = $1", [F.CUSTOMER_DISPUTED]);
      const disputed = await requestApproval(
        demo.t,
        cast.cora,
        "erase_customer",
        { customerId: F.CUSTOMER_DISPUTED },
        "Erasure request PRIV-201",
      );
      const view = await getAs(demo.t, cast.colin, `/api/v1/approvals/${disputed.approvalId}`);
      assert.equal(view.body.targetState.state.erasable, "no: a dispute is open");
      assert.equal((await decide(demo.t, cast.colin, disputed.approvalId, "approve")).status, 200);
      const failed = await waitForRun(demo.t, disputed.runId);
      assert.equal(failed.status, "failed");
      assert.equal(failed.error_code, "domain.open_dispute");
      assert.match(failed.error_message, /open dispute/);
      assert.deepEqual(
        await one("SELECT * FROM demo.customers WHERE id = $1", [F.CUSTOMER_DISPUTED]),
        priyaBefore,
      );
      assert.equal(
        (await one("SELECT status FROM demo.cards WHERE id = 'card_demo_priya'")).status,
        "active",
      );

      const again = await requestApproval(
        demo.t,
        cast.colin,
        "erase_customer",
        { customerId: F.CUSTOMER_ERASABLE },
        "Erasure request PRIV-200 (duplicate)",
      );
      assert.equal((await decide(demo.t, cast.cora, again.approvalId, "approve")).status, 200);
      const twice = await waitForRun(demo.t, again.runId);
      assert.equal(twice.error_code, "domain.already_erased");
    });
  });

  describe("support: change_customer_email", () => {
    test("changes the email with a before/after snapshot; an unusual domain is recorded by the monitor policy", async () => {
      const res = await runAction(demo.t, cast.sam, "change_customer_email", {
        customerId: F.CUSTOMER_BOB,
        newEmail: "Bob.Chen@Chen-Family.dev",
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, "succeeded", "monitor mode never blocks");
      assert.equal(res.body.result.email, "b•••@chen-family.dev");
      assert.equal(res.body.result.previousEmail, "b•••@example.org");
      assert.equal(res.body.params.newEmail, "B•••@Chen-Family.dev");
      assert.equal(
        (await one("SELECT email FROM demo.customers WHERE id = $1", [F.CUSTOMER_BOB])).email,
        "bob.chen@chen-family.dev",
      );
      const run = await one("SELECT snapshot_before, snapshot_after FROM airlock.runs WHERE id = $1", [
        res.body.id,
      ]);
      assert.deepEqual(run.snapshot_before, { email: "b•••@example.org" });
      assert.deepEqual(run.snapshot_after, { email: "b•••@chen-family.dev" });
      const monitored = (await auditOf(demo.t, res.body.id)).filter(
        (e) => e.type === "policy.would_require_approval",
      );
      assert.equal(monitored.length, 1);
      assert.equal(monitored[0]!.data.policy, "change_customer_email.unfamiliar_domain");
      assert.match(String(monitored[0]!.data.because), /chen-family\.dev/);

      const common = await runAction(demo.t, cast.sam, "change_customer_email", {
        customerId: F.CUSTOMER_BOB,
        newEmail: "bob.chen@gmail.com",
      });
      assert.equal(common.status, 200, common.text);
      assert.ok(!(await eventTypes(common.body.id)).includes("policy.would_require_approval"));
    });

    test("refuses an address another customer uses (any case), and an erased customer", async () => {
      const taken = await runAction(demo.t, cast.sam, "change_customer_email", {
        customerId: F.CUSTOMER_ALICE,
        newEmail: "Carol.Nguyen@example.com",
      });
      assertRefused(taken, "email_in_use");
      assert.ok(!taken.text.includes("carol.nguyen@example.com"));
      assert.equal(
        (await one("SELECT email FROM demo.customers WHERE id = $1", [F.CUSTOMER_ALICE])).email,
        "alice.martin@example.com",
      );
      const erased = await runAction(demo.t, cast.sam, "change_customer_email", {
        customerId: F.CUSTOMER_ERASABLE,
        newEmail: "erin@example.net",
      });
      assertRefused(erased, "customer_erased");
    });
  });

  describe("accounts", () => {
    test("extend_trial: from the later of the trial's end and now; more than 30 days is monitored", async () => {
      const started = Date.now();
      const res = await runAction(demo.t, cast.omar, "extend_trial", {
        accountId: F.ACCOUNT_TRIAL,
        days: 14,
      });
      assert.equal(res.status, 200, res.text);
      const base = Math.max(Date.parse(F.ACCOUNT_TRIAL_ENDS_AT), started);
      const end = Date.parse(res.body.result.trialEndsAt);
      assert.ok(Math.abs(end - (base + 14 * DAY_MS)) < 60_000, res.body.result.trialEndsAt);
      assert.equal(res.body.result.previousTrialEndsAt, F.ACCOUNT_TRIAL_ENDS_AT);
      assert.ok(!(await eventTypes(res.body.id)).includes("policy.would_require_approval"));

      const long = await runAction(demo.t, cast.omar, "extend_trial", {
        accountId: F.ACCOUNT_TRIAL,
        days: 45,
      });
      assert.equal(long.status, 200, long.text);
      assert.equal(long.body.status, "succeeded");
      assert.equal(Date.parse(long.body.result.trialEndsAt), end + 45 * DAY_MS);
      const monitored = (await auditOf(demo.t, long.body.id)).filter(
        (e) => e.type === "policy.would_require_approval",
      );
      assert.deepEqual(
        monitored.map((e) => e.data.policy),
        ["extend_trial.long_extension"],
      );
      const report = await getAs(demo.t, cast.ada, "/api/v1/policies/report");
      assert.equal(report.status, 200, report.text);
      const row = report.body.policies.find(
        (p: { policy: string }) => p.policy === "extend_trial.long_extension",
      );
      assert.equal(row.mode, "monitor");
      assert.equal(row.totals.wouldHaveGated, 1);

      const tooLong = await runAction(demo.t, cast.omar, "extend_trial", {
        accountId: F.ACCOUNT_TRIAL,
        days: 91,
      });
      assert.equal(tooLong.body.error.code, "validation.failed");
      const noTrial = await runAction(demo.t, cast.omar, "extend_trial", {
        accountId: F.ACCOUNT_ALICE,
        days: 7,
      });
      assertRefused(noTrial, "no_trial");
      assert.equal(
        (await one("SELECT trial_ends_at FROM demo.accounts WHERE id = $1", [F.ACCOUNT_ALICE])).trial_ends_at,
        null,
      );
    });

    test("toggle_feature_flag: turns a catalog flag on; an unknown flag is refused by the database", async () => {
      const res = await runAction(demo.t, cast.omar, "toggle_feature_flag", {
        accountId: F.ACCOUNT_ALICE,
        flag: "crypto_trading",
        enabled: true,
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.result.featureFlags, {
        crypto_trading: true,
        savings_pots: true,
        virtual_cards: true,
      });
      assert.equal(res.body.result.changed, true);
      const flags = async () =>
        (await one("SELECT feature_flags FROM demo.accounts WHERE id = $1", [F.ACCOUNT_ALICE])).feature_flags;
      assert.deepEqual(await flags(), { crypto_trading: true, savings_pots: true, virtual_cards: true });
      const run = await one("SELECT snapshot_before FROM airlock.runs WHERE id = $1", [res.body.id]);
      assert.deepEqual(run.snapshot_before, { featureFlags: { savings_pots: true, virtual_cards: true } });

      const unknown = await runAction(demo.t, cast.omar, "toggle_feature_flag", {
        accountId: F.ACCOUNT_ALICE,
        flag: "teleportation",
        enabled: true,
      });
      assertRefused(unknown, "unknown_feature_flag");
      assert.deepEqual(await flags(), { crypto_trading: true, savings_pots: true, virtual_cards: true });
      const closed = await runAction(demo.t, cast.omar, "toggle_feature_flag", {
        accountId: F.ACCOUNT_CLOSED,
        flag: "crypto_trading",
        enabled: true,
      });
      assertRefused(closed, "account_closed");
    });

    test("set_account_plan: upgrades; refuses a plan the overdraft limit does not fit unless lowered", async () => {
      const up = await runAction(demo.t, cast.omar, "set_account_plan", {
        accountId: F.ACCOUNT_LOW,
        plan: "plus",
      });
      assert.equal(up.status, 200, up.text);
      assert.deepEqual([up.body.result.previousPlan, up.body.result.plan], ["basic", "plus"]);
      assert.equal((await one("SELECT plan FROM demo.accounts WHERE id = $1", [F.ACCOUNT_LOW])).plan, "plus");

      const down = await runAction(demo.t, cast.omar, "set_account_plan", {
        accountId: F.ACCOUNT_BUSINESS,
        plan: "basic",
      });
      assertRefused(down, "overdraft_limit_exceeds_plan");
      assert.deepEqual(
        await one("SELECT plan, overdraft_limit_cents::int AS limit FROM demo.accounts WHERE id = $1", [
          F.ACCOUNT_BUSINESS,
        ]),
        { plan: "business", limit: F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS },
      );
      const lowered = await runAction(demo.t, cast.omar, "set_account_plan", {
        accountId: F.ACCOUNT_BUSINESS,
        plan: "plus",
        lowerOverdraftLimit: true,
      });
      assert.equal(lowered.status, 200, lowered.text);
      assert.equal(lowered.body.result.overdraftLimitCents, 0);
      const run = await one("SELECT snapshot_before, snapshot_after FROM airlock.runs WHERE id = $1", [
        lowered.body.id,
      ]);
      assert.deepEqual(run.snapshot_before, {
        plan: "business",
        overdraftLimitCents: F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS,
      });
      assert.deepEqual(run.snapshot_after, { plan: "plus", overdraftLimitCents: 0 });
    });

    test("create_account: opens an account once per Idempotency-Key; refuses an erased customer", async () => {
      const key = "onboarding-bob-eur-1";
      const res = await runAction(
        demo.t,
        cast.omar,
        "create_account",
        { customerId: F.CUSTOMER_BOB, plan: "plus", currency: "EUR" },
        { key },
      );
      assert.equal(res.status, 200, res.text);
      const opened = res.body.result;
      assert.equal(opened.accountId, accountIdFor(`${cast.omar.id}:${key}`));
      assert.deepEqual(
        [opened.plan, opened.currency, opened.status, opened.balanceCents, opened.created],
        ["plus", "EUR", "active", 0, true],
      );
      assert.deepEqual(opened.featureFlags, { savings_pots: true, virtual_cards: true });
      const replay = await runAction(
        demo.t,
        cast.omar,
        "create_account",
        { customerId: F.CUSTOMER_BOB, plan: "plus", currency: "EUR" },
        { key },
      );
      assert.equal(replay.status, 200);
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      assert.equal(replay.body.result.accountId, opened.accountId);
      const rows = await sql(
        "SELECT a.id, n.account_id AS settings FROM demo.accounts a LEFT JOIN demo.notification_settings n ON n.account_id = a.id WHERE a.id = $1",
        [opened.accountId],
      );
      assert.deepEqual(rows, [{ id: opened.accountId, settings: opened.accountId }]);

      const erased = await runAction(demo.t, cast.omar, "create_account", {
        customerId: F.CUSTOMER_ERASABLE,
        plan: "basic",
        currency: "USD",
      });
      assertRefused(erased, "customer_not_active");
      assert.equal(
        (
          await one<{ n: number }>("SELECT count(*)::int AS n FROM demo.accounts WHERE customer_id = $1", [
            F.CUSTOMER_ERASABLE,
          ])
        ).n,
        1,
      );
    });

    test("create_account is idempotent in the domain too: a re-executed handler finds its account", async () => {
      const app = openDatabase({ url: demo.t.database.url, max: 1 });
      const client = await app.pool.connect();
      try {
        await client.query("BEGIN");
        const ctx = {
          actor: { id: "usr_x", kind: "human", name: "X", email: "x@airlock.demo" },
          idempotencyKey: "usr_x:retry-1",
          db: {
            query: async (text: string, values?: readonly unknown[]) => {
              const result = await client.query(text, values as unknown[]);
              return { rows: result.rows, rowCount: result.rowCount ?? 0 };
            },
          },
          snapshot: { before() {}, after() {} },
        } as unknown as HandlerContext;
        const params = { customerId: F.CUSTOMER_ALICE, plan: "basic" as const, currency: "GBP" as const };
        const first = await createAccount.handler(params, ctx);
        const second = await createAccount.handler(params, ctx);
        assert.equal(first.created, true);
        assert.equal(second.created, false);
        assert.equal(second.accountId, first.accountId);
        const count = await client.query("SELECT count(*)::int AS n FROM demo.accounts WHERE id = $1", [
          first.accountId,
        ]);
        assert.equal(count.rows[0].n, 1);
      } finally {
        await client.query("ROLLBACK");
        client.release();
        await app.close();
      }
    });
  });
});
