// The demo fintech's seed: volumes, determinism, idempotency and the domain's invariants, on a
// fresh database migrated with Airlock's and the demo workspace's migrations.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as F from "../../examples/demo/fixtures.ts";
import { passesLuhn } from "../../examples/demo/seed/fake-identity.ts";
import { resetDemo, seedDemo } from "../../examples/demo/seed.ts";
import { StartupError } from "../../src/errors/startup-error.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { seedDemoData } from "../../src/runtime/demo-data.ts";
import { openDatabase } from "../../src/store/database.ts";
import type { CompiledWorkspace } from "../../src/workspace/compile-workspace.ts";
import type { TestDatabase } from "../support/test-database.ts";
import { asOwner, domainChecksums, migratedDemoDatabase } from "./demo-database.ts";

describe("demo seed", () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let firstSums: Record<string, string>;

  before(async () => {
    [first, second] = await Promise.all([
      migratedDemoDatabase("demo_seed_a"),
      migratedDemoDatabase("demo_seed_b"),
    ]);
  });
  after(async () => {
    await Promise.all([first?.drop(), second?.drop()]);
  });

  test("seeds a fresh database (time reported)", async (t) => {
    const started = performance.now();
    await asOwner(first.url, (client) => seedDemo(client));
    t.diagnostic(`seedDemo on an empty database: ${Math.round(performance.now() - started)} ms`);
    firstSums = await domainChecksums(first.url);
  });

  test("writes the promised volumes", async () => {
    const counts = await asOwner(first.url, async (client) => {
      const result = await client.query(`SELECT
        (SELECT count(*) FROM demo.customers)::int AS customers,
        (SELECT count(*) FROM demo.customers WHERE erased_at IS NOT NULL)::int AS erased,
        (SELECT count(*) FROM demo.accounts)::int AS accounts,
        (SELECT count(*) FROM demo.accounts WHERE status = 'closed')::int AS closed,
        (SELECT count(*) FROM demo.accounts WHERE status = 'frozen')::int AS frozen,
        (SELECT count(*) FROM demo.transactions)::int AS transactions,
        (SELECT count(*) FROM demo.transactions WHERE fraud_flag = 'flagged')::int AS flagged,
        (SELECT count(*) FROM demo.transactions WHERE fraud_flag IN ('cleared', 'confirmed'))::int AS reviewed,
        (SELECT count(*) FROM demo.transactions WHERE source = 'import')::int AS imported,
        (SELECT count(*) FROM demo.late_payments)::int AS late_payments,
        (SELECT count(*) FROM demo.late_payments WHERE delinquent)::int AS delinquent,
        (SELECT count(*) FROM demo.monthly_deposits WHERE status = 'pending')::int AS pending_deposits,
        (SELECT count(*) FROM demo.monthly_deposits WHERE status = 'late')::int AS late_deposits,
        (SELECT count(*) FROM demo.monthly_deposits WHERE status = 'failed')::int AS failed_deposits,
        (SELECT count(*) FROM demo.payments)::int AS payments,
        (SELECT count(DISTINCT card_id) FROM demo.payments)::int AS paying_cards,
        (SELECT count(DISTINCT merchant_id) FROM demo.payments)::int AS paid_merchants,
        (SELECT count(*) FROM demo.refunds)::int AS refunds,
        (SELECT count(*) FROM demo.disputes WHERE status = 'open')::int AS open_disputes,
        (SELECT count(*) FROM demo.journals)::int AS journals,
        (SELECT count(*) FROM demo.cards)::int AS cards`);
      return result.rows[0];
    });
    const within = (name: string, min: number, max: number) =>
      assert.ok(
        counts[name] >= min && counts[name] <= max,
        `${name}: ${counts[name]} not in [${min}, ${max}]`,
      );
    within("customers", 1_000, 1_050);
    within("erased", 1, 20);
    within("accounts", 1_900, 2_200);
    within("closed", 40, 200);
    within("frozen", 20, 120);
    within("transactions", 100_000, 103_000);
    within("flagged", 250, 400);
    within("reviewed", 100, 300);
    within("imported", 300, 2_000);
    within("late_payments", 24, 99);
    within("delinquent", 6, 40);
    within("pending_deposits", 500, 2_000);
    within("late_deposits", 12, 150);
    within("failed_deposits", 10, 300);
    within("payments", 300, 600);
    within("paying_cards", 200, 600);
    within("paid_merchants", 20, 60);
    within("refunds", 10, 60);
    within("open_disputes", 5, 30);
    within("journals", 10_000, 40_000);
    within("cards", 2_000, 4_000);
  });

  test("is deterministic: a second database gets exactly the same rows", async () => {
    await asOwner(second.url, (client) => seedDemo(client));
    assert.deepEqual(await domainChecksums(second.url), firstSums);
  });

  test("is idempotent: seeding a seeded database changes nothing", async (t) => {
    const started = performance.now();
    await asOwner(first.url, (client) => seedDemo(client));
    t.diagnostic(`seedDemo on a seeded database: ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual(await domainChecksums(first.url), firstSums);
    const markers = await asOwner(first.url, (c) => c.query("SELECT version FROM demo.seed_info"));
    assert.equal(markers.rowCount, 1);
  });

  test("a pool works too, and two seeders at once seed once", async () => {
    const db = await migratedDemoDatabase("demo_seed_pool");
    try {
      const { default: pg } = await import("pg");
      const pool = new pg.Pool({ connectionString: db.url, max: 4 });
      try {
        await Promise.all([seedDemo(pool), seedDemo(pool)]);
      } finally {
        await pool.end();
      }
      assert.deepEqual(await domainChecksums(db.url), firstSums);
    } finally {
      await db.drop();
    }
  });

  test("anything with query() will do, and writes the same rows", async () => {
    // Not a pg.Client: the writer falls back from COPY to INSERT … SELECT FROM unnest(…).
    const db = await migratedDemoDatabase("demo_seed_query");
    try {
      await asOwner(db.url, (client) =>
        seedDemo({
          query: (text: string, values?: readonly unknown[]) => client.query(text, values as unknown[]),
        }),
      );
      assert.deepEqual(await domainChecksums(db.url), firstSums);
    } finally {
      await db.drop();
    }
  });

  test("refuses to seed over domain data it did not write", async () => {
    const db = await migratedDemoDatabase("demo_seed_foreign");
    try {
      await asOwner(db.url, async (client) => {
        await client.query(
          "INSERT INTO demo.customers (id, name, email, country) VALUES ('cus_real', 'Real Person', 'real@example.com', 'US')",
        );
        await assert.rejects(seedDemo(client), /did not write; refusing to seed over them/);
        const count = await client.query("SELECT count(*)::int AS n FROM demo.customers");
        assert.equal(count.rows[0].n, 1, "nothing was written");
      });
      // `airlock start` in demo mode gets a StartupError: one line with its code, no stack.
      const workspace = { demo: { seed: seedDemo } } as unknown as CompiledWorkspace;
      await assert.rejects(seedDemoData(db.url, workspace, createLogger({ level: "silent" })), (error) => {
        assert.ok(error instanceof StartupError);
        assert.equal(error.code, "demo.seed_refused");
        assert.match(error.message, /airlock demo reset/);
        return true;
      });
    } finally {
      await db.drop();
    }
  });

  test("every journal balances and every balance is the sum of its entries", async () => {
    await asOwner(first.url, async (client) => {
      const unbalanced = await client.query(
        "SELECT journal_id, currency FROM demo.ledger_entries GROUP BY 1, 2 HAVING sum(amount_cents) <> 0",
      );
      assert.equal(unbalanced.rowCount, 0);
      const thin = await client.query(`SELECT j.id FROM demo.journals j
        LEFT JOIN demo.ledger_entries e ON e.journal_id = j.id GROUP BY j.id HAVING count(e.id) < 2`);
      assert.equal(thin.rowCount, 0, "every journal has at least two entries");
      const drift = await client.query(`SELECT a.id FROM demo.accounts a
        LEFT JOIN demo.ledger_entries e ON e.account_id = a.id
        GROUP BY a.id, a.balance_cents HAVING a.balance_cents <> coalesce(sum(e.amount_cents), 0)`);
      assert.equal(drift.rowCount, 0, "accounts.balance_cents is the sum of the account's entries");
      const implausible = await client.query(`SELECT id, status, balance_cents FROM demo.accounts
        WHERE (status = 'closed' AND balance_cents <> 0) OR (status <> 'closed' AND balance_cents <= 0)`);
      assert.deepEqual(implausible.rows, [], "open accounts are in credit, closed ones empty");
      const world = await client.query(
        "SELECT sum(balance_cents)::bigint AS total FROM demo.system_account_balances",
      );
      const customers = await client.query("SELECT sum(balance_cents)::bigint AS total FROM demo.accounts");
      assert.equal(BigInt(world.rows[0].total) + BigInt(customers.rows[0].total), 0n, "double entry");
    });
  });

  test("card activity is booked by its settlement journal", async () => {
    await asOwner(first.url, async (client) => {
      const mismatched = await client.query(`SELECT t.journal_id FROM demo.transactions t
        JOIN demo.ledger_entries e ON e.journal_id = t.journal_id AND e.account_id = t.account_id
        GROUP BY t.journal_id, e.amount_cents HAVING sum(t.amount_cents) <> e.amount_cents`);
      assert.equal(mismatched.rowCount, 0);
      const unbooked = await client.query(`SELECT count(*)::int AS n FROM demo.transactions
        WHERE status = 'posted' AND source = 'card_network' AND journal_id IS NULL`);
      assert.equal(unbooked.rows[0].n, 0);
    });
  });

  test("refunds never exceed their payment", async () => {
    await asOwner(first.url, async (client) => {
      const wrong = await client.query(`SELECT p.id FROM demo.payments p
        LEFT JOIN demo.refunds r ON r.payment_id = p.id AND r.status <> 'failed'
        GROUP BY p.id HAVING p.refunded_cents <> coalesce(sum(r.amount_cents), 0)
            OR coalesce(sum(r.amount_cents), 0) > p.amount_cents`);
      assert.equal(wrong.rowCount, 0);
      const multiple = await client.query(
        "SELECT payment_id FROM demo.refunds GROUP BY payment_id HAVING count(*) > 1",
      );
      assert.ok((multiple.rowCount ?? 0) > 0, "some payments are refunded in parts");
    });
  });

  test("card numbers are valid test numbers and only the vault holds them", async () => {
    await asOwner(first.url, async (client) => {
      const vault = await client.query(`SELECT c.id, c.bin, c.last4, c.brand, v.pan
        FROM demo.cards c JOIN demo.card_vault v ON v.token = c.token`);
      assert.ok((vault.rowCount ?? 0) > 2_000);
      const bins = ["424242", "400005", "401288", "555555", "222300", "520082", "378282", "371449"];
      for (const card of vault.rows) {
        assert.ok(passesLuhn(card.pan), `${card.id}: ${card.pan} fails Luhn`);
        assert.ok(bins.includes(card.bin), `${card.id}: BIN ${card.bin} is not a test BIN`);
        assert.equal(card.pan.slice(0, 6), card.bin);
        assert.equal(card.pan.slice(-4), card.last4);
        assert.equal(card.pan.length, card.brand === "amex" ? 15 : 16);
      }
      const leaks = await client.query("SELECT id FROM demo.cards c WHERE c::text ~ '[0-9]{12,}'");
      assert.equal(leaks.rowCount, 0, "no card row holds anything like a full number");
      const shredded = await client.query(`SELECT count(*)::int AS n FROM demo.card_vault v
        JOIN demo.cards c ON c.token = v.token JOIN demo.accounts a ON a.id = c.account_id
        JOIN demo.customers u ON u.id = a.customer_id WHERE u.erased_at IS NOT NULL`);
      assert.equal(shredded.rows[0].n, 0, "erased customers' numbers are gone from the vault");
    });
  });

  test("personal data is fictional", async () => {
    await asOwner(first.url, async (client) => {
      const real = await client.query(`SELECT id, email, phone, ssn FROM demo.customers
        WHERE email !~ '@example\\.(com|org|net)$'
           OR ssn !~ '^9[0-9]{2}-[1-4][0-9]-[0-9]{4}$'
           OR phone !~ '^\\+(1[0-9]{3}55501[0-9]{2}|447700900[0-9]{3}|3319900[0-9]{4})$'`);
      assert.deepEqual(real.rows, []);
      const tombstones = await client.query(`SELECT count(*)::int AS n FROM demo.customers
        WHERE status = 'erased' AND num_nonnulls(name, email, phone, ssn, date_of_birth) = 0`);
      assert.ok(tombstones.rows[0].n >= 1);
    });
  });

  test("the fixtures exist with the promised properties", async () => {
    await asOwner(first.url, async (client) => {
      const account = async (id: string) =>
        (await client.query("SELECT * FROM demo.accounts WHERE id = $1", [id])).rows[0];
      const alice = await account(F.ACCOUNT_ALICE);
      assert.equal(alice.status, "active");
      assert.equal(alice.customer_id, F.CUSTOMER_ALICE);
      assert.equal(Number(alice.balance_cents), F.ACCOUNT_ALICE_BALANCE_CENTS);
      const card = (await client.query("SELECT * FROM demo.cards WHERE id = $1", [F.CARD_ALICE])).rows[0];
      assert.equal(card.account_id, F.ACCOUNT_ALICE);
      assert.equal(card.last4, F.CARD_ALICE_LAST4);
      const payment = (await client.query("SELECT * FROM demo.payments WHERE id = $1", [F.PAYMENT_1]))
        .rows[0];
      assert.equal(payment.card_id, F.CARD_ALICE);
      assert.equal(payment.merchant_id, F.MERCHANT_COFFEE);
      assert.equal(payment.status, "succeeded");
      assert.equal(Number(payment.amount_cents), F.PAYMENT_1_AMOUNT_CENTS);
      assert.equal(Number(payment.refunded_cents), 0);
      assert.equal(payment.confirmation_code, F.PAYMENT_1_CONFIRMATION);

      assert.equal(Number((await account(F.ACCOUNT_LOW)).balance_cents), F.ACCOUNT_LOW_BALANCE_CENTS);
      const closed = await account(F.ACCOUNT_CLOSED);
      assert.equal(closed.status, "closed");
      assert.equal(Number(closed.balance_cents), 0);
      const business = await account(F.ACCOUNT_BUSINESS);
      assert.equal(business.plan, "business");
      assert.equal(Number(business.overdraft_limit_cents), F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS);
      assert.equal((await account(F.ACCOUNT_TRIAL)).trial_ends_at.toISOString(), F.ACCOUNT_TRIAL_ENDS_AT);

      const flagged = await client.query(
        "SELECT id FROM demo.transactions WHERE account_id = $1 AND fraud_flag = 'flagged' ORDER BY id",
        [F.ACCOUNT_FLAGGED],
      );
      assert.deepEqual(
        flagged.rows.map((r) => r.id),
        [...F.FLAGGED_TRANSACTIONS],
      );
      const cleared = await client.query("SELECT fraud_flag FROM demo.transactions WHERE id = $1", [
        F.CLEARED_TRANSACTION,
      ]);
      assert.equal(cleared.rows[0].fraud_flag, "cleared");

      const late = await client.query(
        "SELECT bill_id, delinquent FROM demo.late_payments WHERE account_id = $1 ORDER BY 1",
        [F.ACCOUNT_LATE],
      );
      assert.deepEqual(late.rows, [
        { bill_id: F.BILL_DELINQUENT, delinquent: true },
        { bill_id: F.BILL_LATE, delinquent: false },
      ]);
      const deposits = await client.query(
        "SELECT id, status FROM demo.monthly_deposits WHERE id = ANY ($1) ORDER BY id",
        [[F.DEPOSIT_LATE, F.DEPOSIT_FAILED]],
      );
      assert.deepEqual(deposits.rows, [
        { id: F.DEPOSIT_FAILED, status: "failed" },
        { id: F.DEPOSIT_LATE, status: "late" },
      ]);

      const dispute = (await client.query("SELECT * FROM demo.disputes WHERE id = $1", [F.DISPUTE_OPEN]))
        .rows[0];
      assert.equal(dispute.status, "open");
      assert.equal(dispute.payment_id, F.PAYMENT_DISPUTED);
      const owner = await client.query(
        "SELECT a.customer_id FROM demo.payments p JOIN demo.accounts a ON a.id = p.account_id WHERE p.id = $1",
        [F.PAYMENT_DISPUTED],
      );
      assert.equal(owner.rows[0].customer_id, F.CUSTOMER_DISPUTED);
      const erinDisputes = await client.query(
        `SELECT count(*)::int AS n FROM demo.disputes d
        JOIN demo.payments p ON p.id = d.payment_id JOIN demo.accounts a ON a.id = p.account_id
        WHERE a.customer_id = $1`,
        [F.CUSTOMER_ERASABLE],
      );
      assert.equal(erinDisputes.rows[0].n, 0);
    });
  });

  test("airlock_app reads and writes what actions need, but never the card vault", async () => {
    const app = openDatabase({ url: first.url, max: 2 });
    try {
      const client = await app.pool.connect();
      try {
        await client.query("BEGIN");
        const who = await client.query("SELECT current_user");
        assert.equal(who.rows[0].current_user, "airlock_app");
        const read = await client.query(
          "SELECT count(*)::int AS n FROM demo.transactions WHERE account_id = $1",
          [F.ACCOUNT_FLAGGED],
        );
        assert.ok(read.rows[0].n > 0);
        await client.query(
          "SELECT demo.post_journal('test:credit:1', 'credit', 'Goodwill', 'sam.support@airlock.demo', $1)",
          [
            JSON.stringify([
              { system_account_id: "sys_credits", amount_cents: -500 },
              { account_id: F.ACCOUNT_ALICE, amount_cents: 500 },
            ]),
          ],
        );
        const balance = await client.query("SELECT balance_cents FROM demo.accounts WHERE id = $1", [
          F.ACCOUNT_ALICE,
        ]);
        assert.equal(Number(balance.rows[0].balance_cents), F.ACCOUNT_ALICE_BALANCE_CENTS + 500);
        await client.query("UPDATE demo.accounts SET plan = 'business' WHERE id = $1", [F.ACCOUNT_ALICE]);
        await client.query(
          "UPDATE demo.transactions SET fraud_flag = 'cleared', reviewed_by = 'rita.risk@airlock.demo', reviewed_at = now() WHERE id = $1",
          [F.FLAGGED_TRANSACTIONS[0]],
        );
        await client.query("SAVEPOINT s");
        for (const forbidden of [
          "SELECT pan FROM demo.card_vault LIMIT 1",
          "UPDATE demo.accounts SET balance_cents = 1 WHERE id = 'acc_demo_alice'",
          "DELETE FROM demo.ledger_entries",
          "UPDATE demo.payments SET refunded_cents = 0",
          "TRUNCATE demo.transactions",
        ]) {
          await assert.rejects(client.query(forbidden), { code: "42501" }, forbidden);
          await client.query("ROLLBACK TO SAVEPOINT s");
        }
        const pan = await client.query(
          "SELECT demo.reveal_card_number($1, 'rita.risk@airlock.demo', $2) AS pan",
          [F.CARD_ALICE, "Customer asked to confirm the card on file"],
        );
        assert.equal(pan.rows[0].pan, "4242424242424242");
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
    } finally {
      await app.close();
    }
  });

  test("resetDemo puts back exactly the seeded data", async (t) => {
    await asOwner(first.url, async (client) => {
      await client.query("UPDATE demo.customers SET erased_at = now() WHERE id = $1", [F.CUSTOMER_ERASABLE]);
      await client.query(
        "INSERT INTO demo.merchants (id, name, mcc, category, country) VALUES ('mer_x', 'X', '5999', 'Misc', 'US')",
      );
      const started = performance.now();
      await resetDemo(client);
      t.diagnostic(`resetDemo: ${Math.round(performance.now() - started)} ms`);
    });
    assert.deepEqual(await domainChecksums(first.url), firstSums);
  });
});
