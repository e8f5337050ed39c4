// Shared by the risk, privacy and account-administration actions: parameter fields that every form
// shows the same way, and small helpers for the database's answers (bigint columns come back as
// strings, timestamps as Date, failed constraints carry their name).
import { type ActionDatabase, ActionError, type Actor, z } from "../../../src/sdk/index.ts";

export const customerIdField = (help = "The customer's id, e.g. cus_demo_alice.") =>
  z
    .string()
    .regex(/^cus_[a-z0-9_]+$/, "A customer id looks like cus_… (lowercase letters, digits, _).")
    .meta({
      label: "Customer",
      help,
      placeholder: "Name, email, last 4 digits or cus_…",
      widget: "lookup",
      lookup: "find_customer",
    });

export const accountIdField = (help = "The account's id, e.g. acc_demo_alice.") =>
  z
    .string()
    .regex(/^acc_[a-z0-9_]+$/, "An account id looks like acc_… (lowercase letters, digits, _).")
    .meta({
      label: "Account",
      help,
      placeholder: "Name, email, last 4 digits or acc_…",
      widget: "lookup",
      lookup: "find_account",
    });

export const transactionIdField = () =>
  z
    .string()
    .regex(/^txn_[a-z0-9_]+$/, "A transaction id looks like txn_… (lowercase letters, digits, _).")
    .meta({
      label: "Transaction",
      help: "The card transaction under review (see “List flagged transactions”).",
      placeholder: "txn_…",
    });

/** A note written to the domain record (the run's own reason is Airlock's, not the handler's). */
export const noteField = (label: string, help: string) =>
  z
    .string()
    .trim()
    .min(10, "Write at least 10 characters.")
    .max(500)
    .meta({ label, help, widget: "textarea" });

export const PLANS = ["basic", "plus", "business"] as const;
export const CURRENCIES = ["USD", "EUR", "GBP"] as const;

/** Who did it, as the domain records it (`reviewed_by`, `granted_by`): the email, else the name. */
export function actorLabel(actor: Actor): string {
  return actor.email ?? actor.name;
}

/** The constraint a failed statement names (our triggers set it too), or null. */
export function constraintOf(error: unknown): string | null {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === "string" ? constraint : null;
}

/**
 * Runs a statement and turns a named constraint's failure into a domain refusal: the run fails
 * with `domain.<code>` and the handler's writes are rolled back. Anything else is rethrown.
 */
export async function translating<T>(
  work: () => Promise<T>,
  refusals: Record<string, () => ActionError>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const refusal = refusals[constraintOf(error) ?? ""];
    if (refusal) throw refusal();
    throw error;
  }
}

export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** bigint columns arrive as strings. */
export function cents(value: string | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function money(amountCents: number, currency: string): string {
  const sign = amountCents < 0 ? "−" : "";
  return `${sign}${(Math.abs(amountCents) / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })} ${currency}`;
}

export interface AccountRow {
  id: string;
  customer_id: string;
  plan: string;
  status: "active" | "frozen" | "closed";
  currency: string;
  balance_cents: string;
  overdraft_limit_cents: string;
  trial_ends_at: Date | null;
  feature_flags: Record<string, boolean>;
}

/** The account, locked for the rest of the run's transaction; refuses when there is none. */
export async function lockAccount(db: ActionDatabase, accountId: string): Promise<AccountRow> {
  const found = await db.query<AccountRow>(
    `SELECT id, customer_id, plan, status, currency, balance_cents, overdraft_limit_cents, trial_ends_at,
            feature_flags
       FROM demo.accounts WHERE id = $1 FOR NO KEY UPDATE`,
    [accountId],
  );
  const account = found.rows[0];
  if (!account) throw new ActionError("account_not_found", `There is no account ${accountId}.`);
  return account;
}

export function refuseClosed(account: AccountRow): void {
  if (account.status === "closed")
    throw new ActionError("account_closed", `Account ${account.id} is closed; it can no longer change.`);
}

export interface TransactionRow {
  id: string;
  account_id: string;
  card_id: string | null;
  amount_cents: string;
  currency: string;
  description: string;
  status: string;
  fraud_flag: "none" | "flagged" | "cleared" | "confirmed";
  fraud_reason: string | null;
  flagged_at: Date | null;
  reviewed_at: Date | null;
}

/** The transaction, locked; refuses when there is none or when it is not waiting for review. */
export async function lockFlaggedTransaction(
  db: ActionDatabase,
  transactionId: string,
): Promise<TransactionRow> {
  const found = await db.query<TransactionRow>(
    `SELECT id, account_id, card_id, amount_cents, currency, description, status, fraud_flag, fraud_reason,
            flagged_at, reviewed_at
       FROM demo.transactions WHERE id = $1 FOR NO KEY UPDATE`,
    [transactionId],
  );
  const transaction = found.rows[0];
  if (!transaction)
    throw new ActionError("transaction_not_found", `There is no transaction ${transactionId}.`);
  if (transaction.fraud_flag !== "flagged") {
    const state =
      transaction.fraud_flag === "none"
        ? "was never flagged for fraud review"
        : `was already ${transaction.fraud_flag} on ${iso(transaction.reviewed_at)?.slice(0, 10)}`;
    throw new ActionError(
      "not_flagged",
      `Transaction ${transactionId} ${state}; there is nothing to review.`,
      {
        fraudFlag: transaction.fraud_flag,
      },
    );
  }
  return transaction;
}

/** What an analyst sees of a transaction under review (no customer PII). */
export async function describeTransaction(db: ActionDatabase, transactionId: string) {
  const found = await db.query<{
    id: string;
    account_id: string;
    amount_cents: string;
    currency: string;
    description: string;
    status: string;
    fraud_flag: string;
    fraud_reason: string | null;
    flagged_at: Date | null;
    merchant: string | null;
    merchant_risk: string | null;
    card_status: string | null;
    account_status: string;
    flagged_on_account: number;
  }>(
    `SELECT t.id, t.account_id, t.amount_cents, t.currency, t.description, t.status, t.fraud_flag,
            t.fraud_reason, t.flagged_at, m.name AS merchant, m.risk_level AS merchant_risk,
            c.status AS card_status, a.status AS account_status,
            (SELECT count(*)::int FROM demo.transactions f
              WHERE f.account_id = t.account_id AND f.fraud_flag = 'flagged') AS flagged_on_account
       FROM demo.transactions t
       JOIN demo.accounts a ON a.id = t.account_id
       LEFT JOIN demo.merchants m ON m.id = t.merchant_id
       LEFT JOIN demo.cards c ON c.id = t.card_id
      WHERE t.id = $1`,
    [transactionId],
  );
  const row = found.rows[0];
  if (!row) return { found: false };
  return {
    transactionId: row.id,
    accountId: row.account_id,
    amountCents: cents(row.amount_cents),
    currency: row.currency,
    description: row.description,
    merchant: row.merchant,
    merchantRisk: row.merchant_risk,
    status: row.status,
    fraudFlag: row.fraud_flag,
    flagReason: row.fraud_reason,
    flaggedAt: iso(row.flagged_at),
    cardStatus: row.card_status,
    accountStatus: row.account_status,
    flaggedOnAccount: row.flagged_on_account,
  };
}
