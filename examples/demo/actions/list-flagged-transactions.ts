// Fraud review, step 1: the card transactions that wait for an analyst's decision — one account's,
// or, with no account, the risk team's queue across every account. Each row offers "Clear" and
// "Confirm fraud" (prefilled) to analysts.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { accountIdField, cents, iso } from "./customer-common.ts";

const flaggedTransaction = z.object({
  transactionId: z.string().meta({ actions: ["clear_fraud_flag", "confirm_fraud"] }),
  accountId: z.string(),
  occurredAt: z.string(),
  description: z.string(),
  merchant: z.string().nullable(),
  merchantRisk: z.string().nullable(),
  amountCents: z.number().int(),
  currency: z.string(),
  status: z.string(),
  flagReason: z.string(),
  flaggedAt: z.string(),
  cardLast4: z.string().nullable(),
});

export const listFlaggedTransactions = defineAction({
  name: "list_flagged_transactions",
  title: "List flagged transactions",
  description:
    "Card transactions flagged for fraud review and not yet cleared or confirmed, newest flag first: " +
    "one account's, or every account's when no account is given.",
  tags: ["risk"],
  risk: "low",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    accountId: accountIdField(
      "The account whose flagged card activity to review. Leave empty for every account's.",
    ).optional(),
  }),
  output: z.array(flaggedTransaction),
  target: (p) => (p.accountId ? { type: "account", id: p.accountId } : null),
  async handler(p, ctx) {
    if (p.accountId) {
      const account = await ctx.db.query("SELECT 1 FROM demo.accounts WHERE id = $1", [p.accountId]);
      if (account.rowCount === 0)
        throw new ActionError("account_not_found", `There is no account ${p.accountId}.`);
    }
    const found = await ctx.db.query<{
      id: string;
      account_id: string;
      occurred_at: Date;
      description: string;
      merchant: string | null;
      merchant_risk: string | null;
      amount_cents: string;
      currency: string;
      status: string;
      fraud_reason: string;
      flagged_at: Date;
      last4: string | null;
    }>(
      `SELECT t.id, t.account_id, t.occurred_at, t.description, m.name AS merchant, m.risk_level AS merchant_risk,
              t.amount_cents, t.currency, t.status, t.fraud_reason, t.flagged_at, c.last4
         FROM demo.transactions t
         LEFT JOIN demo.merchants m ON m.id = t.merchant_id
         LEFT JOIN demo.cards c ON c.id = t.card_id
        WHERE ($1::text IS NULL OR t.account_id = $1) AND t.fraud_flag = 'flagged'
        ORDER BY t.flagged_at DESC, t.id
        LIMIT 500`,
      [p.accountId ?? null],
    );
    return found.rows.map((row) => ({
      transactionId: row.id,
      accountId: row.account_id,
      occurredAt: iso(row.occurred_at)!,
      description: row.description,
      merchant: row.merchant,
      merchantRisk: row.merchant_risk,
      amountCents: cents(row.amount_cents),
      currency: row.currency,
      status: row.status,
      flagReason: row.fraud_reason,
      flaggedAt: iso(row.flagged_at)!,
      cardLast4: row.last4,
    }));
  },
});
