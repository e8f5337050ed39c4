// Well-known rows of the demo data, by fixed id, for tests and the README walkthrough. The seed
// writes them exactly as described here (examples/demo/seed/fixture-rows.ts); everything else in
// the demo data is generated.

/** Alice: the happy path. Active `plus` account in USD with a healthy balance and a visa card. */
export const CUSTOMER_ALICE = "cus_demo_alice";
export const ACCOUNT_ALICE = "acc_demo_alice";
export const ACCOUNT_ALICE_BALANCE_CENTS = 765_194;
export const CARD_ALICE = "card_demo_alice";
/** Test PAN 4242 4242 4242 4242; only BIN 424242 and last4 4242 are outside the vault. */
export const CARD_ALICE_LAST4 = "4242";

/** A succeeded, unrefunded $42.50 payment by Alice's card to MERCHANT_COFFEE. */
export const PAYMENT_1 = "pay_demo_1";
export const PAYMENT_1_AMOUNT_CENTS = 4_250;
export const PAYMENT_1_CONFIRMATION = "CNF-DEMO-0001";
export const MERCHANT_COFFEE = "mer_demo_coffee";

/** Bob: a `basic` account with only $7.25 left, and an old account of his that is closed. */
export const CUSTOMER_BOB = "cus_demo_bob";
export const ACCOUNT_LOW = "acc_demo_low";
export const ACCOUNT_LOW_BALANCE_CENTS = 725;
export const ACCOUNT_CLOSED = "acc_demo_closed";

/** Carol's account with four transactions flagged for fraud review and one already cleared. */
export const CUSTOMER_CAROL = "cus_demo_carol";
export const ACCOUNT_FLAGGED = "acc_demo_flagged";
export const FLAGGED_TRANSACTIONS = [
  "txn_demo_flag_1",
  "txn_demo_flag_2",
  "txn_demo_flag_3",
  "txn_demo_flag_4",
] as const;
export const CLEARED_TRANSACTION = "txn_demo_cleared";

/** Dave: a `business` account allowed to overdraw by $1,000, and a `plus` trial ending soon. */
export const CUSTOMER_DAVE = "cus_demo_dave";
export const ACCOUNT_BUSINESS = "acc_demo_business";
export const ACCOUNT_BUSINESS_OVERDRAFT_CENTS = 100_000;
export const ACCOUNT_TRIAL = "acc_demo_trial";
export const ACCOUNT_TRIAL_ENDS_AT = "2026-11-08T00:00:00.000Z";

/**
 * Erin: no disputes, so she can be erased. Her account is behind: the September bill is late and
 * delinquent, October's is late, the September deposit failed and October's is late.
 */
export const CUSTOMER_ERASABLE = "cus_demo_erin";
export const ACCOUNT_LATE = "acc_demo_late";
export const BILL_DELINQUENT = "bill_demo_late";
export const BILL_LATE = "bill_demo_late_oct";
export const DEPOSIT_LATE = "dep_demo_late";
export const DEPOSIT_FAILED = "dep_demo_failed";

/** A customer who cannot be erased yet: an open dispute on one of her payments. */
export const CUSTOMER_DISPUTED = "cus_demo_disputed";
export const ACCOUNT_DISPUTED = "acc_demo_disputed";
export const PAYMENT_DISPUTED = "pay_demo_disputed";
export const DISPUTE_OPEN = "dsp_demo_open";
