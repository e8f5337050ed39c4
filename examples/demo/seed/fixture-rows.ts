// The well-known fixtures of examples/demo/fixtures.ts, written out by hand: what the README
// walkthrough and the tests rely on must not depend on the random generator.
import * as F from "../fixtures.ts";
import type { Dataset } from "./dataset.ts";
import { createFixtureBuilder, type Reserved } from "./fixture-builder.ts";
import type { Ledger } from "./ledger.ts";

export function addFixtures(data: Dataset, ledger: Ledger, reserved: Reserved) {
  const b = createFixtureBuilder(data, ledger, reserved);

  // Alice: the happy path. $1,000.00 opening + 3 x $2,400.00 payroll - 3 x $9.99 plan
  // - $471.59 card spending - $42.50 coffee = $7,651.94 (F.ACCOUNT_ALICE_BALANCE_CENTS).
  b.customer(
    F.CUSTOMER_ALICE,
    "Alice Martin",
    "alice.martin@example.com",
    "+15035550142",
    "900-12-3456",
    ["12 Harbor View Rd", "Portland", "OR", "97201"],
    "1988-04-12",
    "2024-03-01T10:00:00.000Z",
  );
  const alice = b.account(
    {
      id: F.ACCOUNT_ALICE,
      customer_id: F.CUSTOMER_ALICE,
      plan: "plus",
      created_at: "2024-03-01T10:05:00.000Z",
      feature_flags: { savings_pots: true, virtual_cards: true },
    },
    100_000,
  );
  const aliceCard = b.card(F.CARD_ALICE, alice, "visa", "4242424242424242");
  for (const month of ["08", "09", "10"]) {
    b.deposit(
      alice,
      `dep_demo_alice_2026_${month}`,
      `2026-${month}-01`,
      "Acme Corp Payroll",
      240_000,
      "received",
    );
    b.bill(alice, `bill_demo_alice_2026_${month}`, `2026-${month}-01`, "paid");
  }
  b.deposit(alice, "dep_demo_alice_2026_11", "2026-11-01", "Acme Corp Payroll", 240_000, "pending");
  b.bill(alice, "bill_demo_alice_2026_11", "2026-11-01", "open");
  b.activity(alice, aliceCard, [
    [
      "txn_demo_alice_1",
      "online_purchase",
      "contoso_electronics",
      -24_999,
      "Contoso Electronics headphones",
      "2026-09-12T18:30:00Z",
    ],
    [
      "txn_demo_alice_2",
      "card_purchase",
      "litware_pharmacy",
      -1_835,
      "Litware Pharmacy",
      "2026-09-28T11:02:00Z",
    ],
    [
      "txn_demo_alice_3",
      "card_purchase",
      "northwind_grocers",
      -8_640,
      "Northwind Grocers",
      "2026-10-03T17:45:00Z",
    ],
    ["txn_demo_alice_4", "card_purchase", "blue_door_cafe", -475, "Blue Door Cafe", "2026-10-09T08:10:00Z"],
    ["txn_demo_alice_5", "card_purchase", "quickfuel", -5_210, "QuickFuel Stations", "2026-10-14T07:55:00Z"],
    ["txn_demo_alice_6", "card_purchase", "harbor_bistro", -6_400, "Harbor Bistro", "2026-10-21T20:15:00Z"],
  ]);
  b.payment(
    alice,
    {
      id: F.PAYMENT_1,
      card_id: aliceCard,
      merchant_id: F.MERCHANT_COFFEE,
      amount_cents: F.PAYMENT_1_AMOUNT_CENTS,
      confirmation_code: F.PAYMENT_1_CONFIRMATION,
      description: "Coffee beans subscription, 2 x 1 kg",
      created_at: "2026-10-28T09:15:00.000Z",
    },
    "Bean There Coffee Roasters",
  );

  // Bob: $50.00 in, $42.75 spent; and an old account, paid out and closed.
  b.customer(
    F.CUSTOMER_BOB,
    "Bob Chen",
    "bob.chen@example.org",
    "+12065550117",
    "912-34-0042",
    ["880 Pine St", "Seattle", "WA", "98101"],
    "1995-11-30",
    "2025-01-10T15:00:00.000Z",
  );
  const low = b.account(
    { id: F.ACCOUNT_LOW, customer_id: F.CUSTOMER_BOB, plan: "basic", created_at: "2026-09-02T12:00:00.000Z" },
    5_000,
  );
  b.activity(low, b.card("card_demo_bob", low, "mastercard", "5555555555554444"), [
    ["txn_demo_bob_1", "card_purchase", "fourth_coffee", -1_250, "Fourth Coffee", "2026-10-06T08:30:00Z"],
    ["txn_demo_bob_2", "card_purchase", "corner_deli", -3_025, "Corner Deli", "2026-10-19T12:40:00Z"],
  ]);
  const closed = b.account(
    {
      id: F.ACCOUNT_CLOSED,
      customer_id: F.CUSTOMER_BOB,
      plan: "basic",
      created_at: "2025-01-10T15:10:00.000Z",
      status: "closed",
      closed_at: "2026-06-30T16:00:00.000Z",
    },
    20_000,
  );
  ledger.move(
    {
      kind: "withdrawal",
      reference: `seed:close:${closed.id}`,
      at: "2026-06-30T15:55:00.000Z",
      memo: "Closing balance paid out to the customer's bank",
    },
    closed,
    "sys_deposits",
    20_000,
  );

  // Carol: a burst of suspicious card activity on the night of 29 October.
  b.customer(
    F.CUSTOMER_CAROL,
    "Carol Nguyen",
    "carol.nguyen@example.com",
    "+15125550163",
    "934-21-7781",
    ["4410 Cedar Ln", "Austin", "TX", "78701"],
    "1979-06-05",
    "2025-11-15T09:00:00.000Z",
  );
  const flagged = b.account(
    {
      id: F.ACCOUNT_FLAGGED,
      customer_id: F.CUSTOMER_CAROL,
      plan: "plus",
      created_at: "2025-11-15T09:05:00.000Z",
    },
    500_000,
  );
  const flag = (reason: string, flaggedAt: string) => ({
    fraud_flag: "flagged" as const,
    fraud_reason: reason,
    flagged_at: flaggedAt,
  });
  b.activity(flagged, b.card("card_demo_carol", flagged, "visa", "4000056655665556"), [
    [
      "txn_demo_carol_1",
      "card_purchase",
      "northwind_grocers",
      -4_520,
      "Northwind Grocers",
      "2026-10-05T18:00:00Z",
    ],
    [
      F.CLEARED_TRANSACTION,
      "online_purchase",
      "skyway_airlines",
      -64_000,
      "Skyway Airlines LIS-JFK",
      "2026-10-12T06:40:00Z",
      {
        fraud_flag: "cleared",
        fraud_reason: "card-not-present purchase from a new country",
        flagged_at: "2026-10-12T06:41:00.000Z",
        reviewed_by: "rita.risk@airlock.demo",
        reviewed_at: "2026-10-12T10:05:00.000Z",
        review_note: "Known travel notice on file; purchase is legitimate.",
      },
    ],
    [
      F.FLAGGED_TRANSACTIONS[0],
      "online_purchase",
      "coinvault_exchange",
      -125_000,
      "CoinVault Exchange BTC purchase",
      "2026-10-29T22:13:00Z",
      flag("first purchase at a crypto exchange after a password reset", "2026-10-29T22:14:00.000Z"),
    ],
    [
      F.FLAGGED_TRANSACTIONS[1],
      "online_purchase",
      "gift_card_hub",
      -50_000,
      "Gift Card Hub",
      "2026-10-29T22:15:00Z",
      flag("gift card purchase right after a new device login", "2026-10-29T22:16:00.000Z"),
    ],
    [
      F.FLAGGED_TRANSACTIONS[2],
      "online_purchase",
      "gift_card_hub",
      -50_000,
      "Gift Card Hub",
      "2026-10-29T22:16:00Z",
      flag("velocity: 5 or more card transactions within 10 minutes", "2026-10-29T22:17:00.000Z"),
    ],
    [
      F.FLAGGED_TRANSACTIONS[3],
      "online_purchase",
      "lucky_star_casino",
      -30_000,
      "Lucky Star Online Casino",
      "2026-10-31T03:02:00Z",
      { ...flag("merchant on the high-risk watchlist", "2026-10-31T03:03:00.000Z"), status: "pending" },
    ],
  ]);

  // Dave: a business account that may overdraw by $1,000, with Carol as a second admin, and a
  // Plus trial that ends on 8 November.
  b.customer(
    F.CUSTOMER_DAVE,
    "Dave Okafor",
    "dave.okafor@example.com",
    "+13125550188",
    "921-45-1200",
    ["233 Washington Ave", "Chicago", "IL", "60602"],
    "1983-02-17",
    "2025-06-01T14:00:00.000Z",
  );
  const business = b.account(
    {
      id: F.ACCOUNT_BUSINESS,
      customer_id: F.CUSTOMER_DAVE,
      plan: "business",
      created_at: "2025-06-01T14:05:00.000Z",
      overdraft_limit_cents: F.ACCOUNT_BUSINESS_OVERDRAFT_CENTS,
      feature_flags: { api_access: true, instant_transfers: true, international_wires: true },
    },
    500_000,
  );
  b.card("card_demo_dave", business, "mastercard", "2223003122003222");
  for (const admin of [F.CUSTOMER_DAVE, F.CUSTOMER_CAROL]) {
    data.account_admins.push({
      account_id: business.id,
      customer_id: admin,
      granted_at: business.created_at,
      granted_by: "seed",
    });
  }
  b.account(
    {
      id: F.ACCOUNT_TRIAL,
      customer_id: F.CUSTOMER_DAVE,
      plan: "plus",
      created_at: "2026-10-09T10:00:00.000Z",
      trial_ends_at: F.ACCOUNT_TRIAL_ENDS_AT,
    },
    25_000,
  );

  // Erin: behind on everything, and erasable (no dispute). With $8.00 in the account the $9.99
  // plan fee could not be collected on its due dates.
  b.customer(
    F.CUSTOMER_ERASABLE,
    "Erin Walsh",
    "erin.walsh@example.net",
    "+17205550109",
    "987-11-2040",
    ["77 Lake Dr", "Denver", "CO", "80202"],
    "1991-09-09",
    "2026-06-20T16:00:00.000Z",
  );
  const late = b.account(
    {
      id: F.ACCOUNT_LATE,
      customer_id: F.CUSTOMER_ERASABLE,
      plan: "plus",
      created_at: "2026-06-20T16:05:00.000Z",
    },
    800,
  );
  b.card("card_demo_erin", late, "visa", "4012888888881881");
  b.deposit(
    late,
    F.DEPOSIT_FAILED,
    "2026-09-01",
    "Globex Payroll",
    185_000,
    "failed",
    "Returned by the sending bank: account closed (R02)",
  );
  b.deposit(late, F.DEPOSIT_LATE, "2026-10-01", "Globex Payroll", 185_000, "late");
  b.deposit(late, "dep_demo_late_nov", "2026-11-01", "Globex Payroll", 185_000, "pending");
  b.bill(late, F.BILL_DELINQUENT, "2026-09-01", "late", "2026-10-15");
  b.bill(late, F.BILL_LATE, "2026-10-01", "late");
  b.bill(late, "bill_demo_late_nov", "2026-11-01", "open");

  // Priya: a monitor that never arrived, disputed and still open.
  b.customer(
    F.CUSTOMER_DISPUTED,
    "Priya Raman",
    "priya.raman@example.com",
    "+16175550121",
    "945-30-6612",
    ["19 Church St", "Boston", "MA", "02108"],
    "1986-12-01",
    "2025-02-14T11:00:00.000Z",
  );
  const disputed = b.account(
    {
      id: F.ACCOUNT_DISPUTED,
      customer_id: F.CUSTOMER_DISPUTED,
      plan: "plus",
      created_at: "2025-02-14T11:05:00.000Z",
    },
    120_000,
  );
  b.payment(
    disputed,
    {
      id: F.PAYMENT_DISPUTED,
      card_id: b.card("card_demo_priya", disputed, "amex", "378282246310005"),
      merchant_id: "mer_contoso_electronics",
      amount_cents: 32_999,
      confirmation_code: "CNF-DEMO-0002",
      description: "Contoso 4K monitor",
      created_at: "2026-10-02T19:20:00.000Z",
    },
    "Contoso Electronics",
  );
  data.disputes.push({
    id: F.DISPUTE_OPEN,
    payment_id: F.PAYMENT_DISPUTED,
    reason: "product_not_received",
    amount_cents: 32_999,
    status: "open",
    outcome: null,
    opened_at: "2026-10-20T13:00:00.000Z",
    closed_at: null,
  });
}
