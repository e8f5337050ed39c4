// The demo domain's rules, enforced by the database itself and exercised as Airlock's runtime
// role (airlock_app): ledger idempotency and balance, overdrafts, refunds within the payment
// (also under concurrency), erasure, the card vault.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type pg from "pg";
import * as F from "../../examples/demo/fixtures.ts";
import { seedDemo } from "../../examples/demo/seed.ts";
import { type Database, openDatabase } from "../../src/store/database.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { asOwner, seededDemoDatabase } from "./demo-database.ts";

const entries = (...legs: [string, number][]) =>
  JSON.stringify(
    legs.map(([party, amount]) => ({
      [party.startsWith("sys_") ? "system_account_id" : "account_id"]: party,
      amount_cents: amount,
    })),
  );

describe("demo domain rules", () => {
  let db: TestDatabase;
  let app: Database;

  before(async () => {
    db = await seededDemoDatabase("demo_rules");
    await asOwner(db.url, (client) => seedDemo(client));
    app = openDatabase({ url: db.url, max: 30 });
  });
  after(async () => {
    await app?.close();
    await db?.drop();
  });

  /** Runs as airlock_app in a transaction that is always rolled back. */
  async function rolledBack(work: (client: pg.PoolClient) => Promise<void>) {
    const client = await app.pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  }
  const post = (client: pg.ClientBase, reference: string, kind: string, legs: string) =>
    client.query("SELECT demo.post_journal($1, $2, 'test', 'test@airlock.demo', $3) AS id", [
      reference,
      kind,
      legs,
    ]);
  const balance = async (client: pg.ClientBase, account: string) =>
    Number(
      (await client.query("SELECT balance_cents FROM demo.accounts WHERE id = $1", [account])).rows[0]
        .balance_cents,
    );

  test("posting the same reference twice fails on the journal's unique key", async () => {
    await rolledBack(async (client) => {
      await post(client, "run:idem-1", "credit", entries(["sys_credits", -1_000], [F.ACCOUNT_ALICE, 1_000]));
      await assert.rejects(
        post(client, "run:idem-1", "credit", entries(["sys_credits", -1_000], [F.ACCOUNT_ALICE, 1_000])),
        { code: "23505", constraint: "journals_reference_key" },
      );
    });
  });

  test("an unbalanced or one-legged journal is refused", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(
        post(client, "t:unbalanced", "credit", entries(["sys_credits", -1_000], [F.ACCOUNT_ALICE, 999])),
        {
          code: "23514",
          constraint: "journals_balanced",
        },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      await assert.rejects(post(client, "t:one-leg", "credit", entries([F.ACCOUNT_ALICE, 1_000])), {
        constraint: "journals_balanced",
      });
      await client.query("ROLLBACK TO SAVEPOINT s");
      // Entries split over two statements: the first statement already leaves the journal unbalanced.
      const journal = await client.query(
        "INSERT INTO demo.journals (reference, kind, posted_by) VALUES ('t:split', 'credit', 'test') RETURNING id",
      );
      await assert.rejects(
        client.query(
          "INSERT INTO demo.ledger_entries (journal_id, account_id, currency, amount_cents) VALUES ($1, $2, 'USD', 500)",
          [journal.rows[0].id, F.ACCOUNT_ALICE],
        ),
        { constraint: "journals_balanced" },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      await assert.rejects(
        post(
          client,
          "t:fx",
          "transfer",
          JSON.stringify([
            { account_id: F.ACCOUNT_ALICE, amount_cents: -100 },
            { system_account_id: "sys_adjustments", currency: "EUR", amount_cents: 100 },
          ]),
        ),
        { constraint: "journals_balanced" },
        "balanced per currency, not across currencies",
      );
    });
  });

  test("the ledger is append-only, even for the owner", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(client.query("UPDATE demo.ledger_entries SET amount_cents = 1"), {
        code: "42501",
      });
      await client.query("ROLLBACK TO SAVEPOINT s");
    });
    await asOwner(db.url, async (client) => {
      await assert.rejects(client.query("DELETE FROM demo.journals WHERE id = 1"), {
        code: "23001",
        message: /append-only/,
      });
    });
  });

  test("a basic account cannot overdraw; a business one only down to its limit", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(
        post(
          client,
          "t:od-low",
          "fee",
          entries(
            [F.ACCOUNT_LOW, -(F.ACCOUNT_LOW_BALANCE_CENTS + 1)],
            ["sys_fees", F.ACCOUNT_LOW_BALANCE_CENTS + 1],
          ),
        ),
        { code: "23514", constraint: "accounts_overdraft" },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      await post(
        client,
        "t:od-low-exact",
        "fee",
        entries([F.ACCOUNT_LOW, -F.ACCOUNT_LOW_BALANCE_CENTS], ["sys_fees", F.ACCOUNT_LOW_BALANCE_CENTS]),
      );
      assert.equal(await balance(client, F.ACCOUNT_LOW), 0);

      const business = await balance(client, F.ACCOUNT_BUSINESS);
      const floor = business + F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS;
      await client.query("SAVEPOINT s2");
      await assert.rejects(
        post(
          client,
          "t:od-biz-over",
          "transfer",
          entries([F.ACCOUNT_BUSINESS, -(floor + 1)], ["sys_deposits", floor + 1]),
        ),
        { constraint: "accounts_overdraft" },
      );
      await client.query("ROLLBACK TO SAVEPOINT s2");
      await post(
        client,
        "t:od-biz",
        "transfer",
        entries([F.ACCOUNT_BUSINESS, -floor], ["sys_deposits", floor]),
      );
      assert.equal(await balance(client, F.ACCOUNT_BUSINESS), -F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS);
      await client.query("SAVEPOINT s3");
      await assert.rejects(
        client.query("UPDATE demo.accounts SET plan = 'plus', overdraft_limit_cents = 0 WHERE id = $1", [
          F.ACCOUNT_BUSINESS,
        ]),
        {
          constraint: "accounts_overdraft",
        },
        "a plan change cannot leave an account beyond its new limit",
      );
      await client.query("ROLLBACK TO SAVEPOINT s3");
      await assert.rejects(
        client.query("UPDATE demo.accounts SET overdraft_limit_cents = 100 WHERE id = $1", [F.ACCOUNT_ALICE]),
        {
          constraint: "accounts_plan_overdraft",
        },
      );
    });
  });

  test("closed accounts take no postings; frozen ones can only receive", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(
        post(client, "t:closed", "credit", entries(["sys_credits", -100], [F.ACCOUNT_CLOSED, 100])),
        {
          constraint: "accounts_postable",
          message: /is closed/,
        },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      await client.query("UPDATE demo.accounts SET status = 'frozen', frozen_at = now() WHERE id = $1", [
        F.ACCOUNT_ALICE,
      ]);
      await post(client, "t:frozen-in", "credit", entries(["sys_credits", -100], [F.ACCOUNT_ALICE, 100]));
      await client.query("SAVEPOINT s2");
      await assert.rejects(
        post(client, "t:frozen-out", "fee", entries([F.ACCOUNT_ALICE, -100], ["sys_fees", 100])),
        {
          constraint: "accounts_postable",
        },
      );
      await client.query("ROLLBACK TO SAVEPOINT s2");
      await post(
        client,
        "t:frozen-adj",
        "adjustment",
        entries([F.ACCOUNT_ALICE, -100], ["sys_adjustments", 100]),
      );
    });
  });

  test("feature flags must be in the catalog", async () => {
    await rolledBack(async (client) => {
      await client.query(
        "UPDATE demo.accounts SET feature_flags = feature_flags || '{\"crypto_trading\": true}' WHERE id = $1",
        [F.ACCOUNT_ALICE],
      );
      await assert.rejects(
        client.query("UPDATE demo.accounts SET feature_flags = '{\"teleport\": true}' WHERE id = $1", [
          F.ACCOUNT_ALICE,
        ]),
        { constraint: "accounts_known_flags", message: /teleport/ },
      );
    });
  });

  test("refunds stay within the payment, also when requested concurrently", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(
        client.query(
          `INSERT INTO demo.refunds (id, payment_id, currency, amount_cents, status, reason, reference, requested_by)
          VALUES ('rfd_t1', $1, 'USD', $2, 'pending', 'too much', 't:r1', 'sam.support@airlock.demo')`,
          [F.PAYMENT_1, F.PAYMENT_1_AMOUNT_CENTS + 1],
        ),
        { constraint: "payments_refunds_within_amount" },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      const pending = await client.query("SELECT id FROM demo.payments WHERE status = 'pending' LIMIT 1");
      await assert.rejects(
        client.query(
          `INSERT INTO demo.refunds (id, payment_id, currency, amount_cents, status, reason, reference, requested_by)
          SELECT 'rfd_t2', id, currency, 100, 'pending', 'x', 't:r2', 'sam.support@airlock.demo' FROM demo.payments WHERE id = $1`,
          [pending.rows[0].id],
        ),
        { constraint: "refunds_payment_succeeded" },
      );
    });
    // Twenty concurrent refunds of 30% each: at most three can fit, whatever the interleaving.
    const share = Math.floor(F.PAYMENT_1_AMOUNT_CENTS * 0.3);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) =>
        app.pool.query(
          `INSERT INTO demo.refunds (id, payment_id, currency, amount_cents, status, reason, reference, requested_by)
          VALUES ($1, $2, 'USD', $3, 'pending', 'race', $4, 'sam.support@airlock.demo')`,
          [`rfd_race_${n}`, F.PAYMENT_1, share, `t:race:${n}`],
        ),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    assert.equal(ok, 3);
    for (const r of results) {
      if (r.status === "rejected")
        assert.equal((r.reason as { constraint?: string }).constraint, "payments_refunds_within_amount");
    }
    await asOwner(db.url, async (client) => {
      const payment = await client.query("SELECT refunded_cents FROM demo.payments WHERE id = $1", [
        F.PAYMENT_1,
      ]);
      assert.equal(Number(payment.rows[0].refunded_cents), 3 * share);
      // Failing a refund gives its amount back.
      await client.query(
        "UPDATE demo.refunds SET status = 'failed' WHERE id = (SELECT min(id) FROM demo.refunds WHERE reference LIKE 't:race:%')",
      );
      const after = await client.query("SELECT refunded_cents FROM demo.payments WHERE id = $1", [
        F.PAYMENT_1,
      ]);
      assert.equal(Number(after.rows[0].refunded_cents), 2 * share);
    });
  });

  test("opposite concurrent transfers do not deadlock and lose nothing", async () => {
    const [a, b] = [F.ACCOUNT_ALICE, F.ACCOUNT_FLAGGED];
    const before = await asOwner(db.url, async (c) => [await balance(c, a), await balance(c, b)]);
    await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        app.pool.query("SELECT demo.post_journal($1, 'transfer', 'race', 'test', $2)", [
          `t:xfer:${n}`,
          n % 2 ? entries([a, -100], [b, 100]) : entries([b, -100], [a, 100]),
        ]),
      ),
    );
    const afterwards = await asOwner(db.url, async (c) => [await balance(c, a), await balance(c, b)]);
    assert.deepEqual(afterwards, before);
  });

  test("erasing a customer: refused with an open dispute, complete and final otherwise", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(
        client.query("UPDATE demo.customers SET erased_at = now() WHERE id = $1", [F.CUSTOMER_DISPUTED]),
        {
          constraint: "customers_no_open_dispute",
          message: new RegExp(F.DISPUTE_OPEN),
        },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      await client.query("UPDATE demo.customers SET erased_at = now() WHERE id = $1", [F.CUSTOMER_ERASABLE]);
      const row = (await client.query("SELECT * FROM demo.customers WHERE id = $1", [F.CUSTOMER_ERASABLE]))
        .rows[0];
      assert.equal(row.status, "erased");
      for (const pii of [
        "name",
        "email",
        "phone",
        "ssn",
        "address_line1",
        "city",
        "postal_code",
        "date_of_birth",
      ]) {
        assert.equal(row[pii], null, pii);
      }
      const cards = await client.query(
        "SELECT c.status FROM demo.cards c JOIN demo.accounts a ON a.id = c.account_id WHERE a.customer_id = $1",
        [F.CUSTOMER_ERASABLE],
      );
      assert.deepEqual(
        cards.rows.map((r) => r.status),
        ["cancelled"],
      );
      await client.query("SAVEPOINT s2");
      await assert.rejects(
        client.query(
          "SELECT demo.reveal_card_number('card_demo_erin', 'rita.risk@airlock.demo', 'Checking the erased card')",
        ),
        {
          code: "P0002",
        },
        "the number was shredded from the vault",
      );
      await client.query("ROLLBACK TO SAVEPOINT s2");
      await assert.rejects(
        client.query("UPDATE demo.customers SET email = 'back@example.com' WHERE id = $1", [
          F.CUSTOMER_ERASABLE,
        ]),
        {
          constraint: "customers_erased_is_final",
        },
      );
    });
  });

  test("revealing a card number needs a reason and leaves a trace", async () => {
    await rolledBack(async (client) => {
      await client.query("SAVEPOINT s");
      await assert.rejects(
        client.query("SELECT demo.reveal_card_number($1, 'rita.risk@airlock.demo', 'why')", [F.CARD_ALICE]),
        { code: "23514" },
      );
      await client.query("ROLLBACK TO SAVEPOINT s");
      await client.query(
        "SELECT demo.reveal_card_number($1, 'rita.risk@airlock.demo', 'Customer disputes a charge')",
        [F.CARD_ALICE],
      );
      const reads = await client.query("SELECT read_by FROM demo.card_vault_reads WHERE card_id = $1", [
        F.CARD_ALICE,
      ]);
      assert.deepEqual(reads.rows, [{ read_by: "rita.risk@airlock.demo" }]);
      await client.query("SAVEPOINT s2");
      await assert.rejects(
        client.query(
          "INSERT INTO demo.card_vault_reads (card_id, read_by, reason) VALUES ($1, 'x', 'xxxxxxxxxxxx')",
          [F.CARD_ALICE],
        ),
        { code: "42501" },
      );
    });
  });
});
