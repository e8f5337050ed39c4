// Account setup: import a new account's card history from its previous bank (the onboarding
// runbook's third step). The demo's "previous bank" is a fixed statement of six transactions;
// each carries its id at the source, and (account, source, external id) is unique, so importing
// the same history twice adds nothing — the action is idempotent in the domain, not only in
// Airlock.
import { defineAction, z } from "../../../src/sdk/index.ts";
import { accountIdField, lockAccount, refuseClosed } from "./customer-common.ts";

/** The previous bank's statement: (external id, kind, amount in cents, description, days ago). */
const STATEMENT = [
  ["prev_0001", "card_purchase", -4_250, "Grocery store", 40],
  ["prev_0002", "online_purchase", -12_999, "Electronics shop", 33],
  ["prev_0003", "atm_withdrawal", -10_000, "ATM withdrawal", 25],
  ["prev_0004", "card_refund", 2_500, "Refund: returned shoes", 18],
  ["prev_0005", "card_purchase", -1_875, "Coffee shop", 9],
  ["prev_0006", "online_purchase", -3_499, "Streaming subscription", 2],
] as const;

export const importTransactionHistory = defineAction({
  name: "import_transaction_history",
  title: "Import transaction history",
  description:
    "Imports an account's card history from the customer's previous bank. Importing again adds nothing (each transaction keeps its id at the source).",
  tags: ["accounts"],
  risk: "low",
  execution: "inline",
  retry: "safe",
  params: z.object({ accountId: accountIdField("The new account, e.g. acc_demo_alice.") }),
  output: z.object({ accountId: z.string(), imported: z.number().int(), alreadyThere: z.number().int() }),
  target: (p) => ({ type: "account", id: p.accountId }),
  async handler(p, ctx) {
    const account = await lockAccount(ctx.db, p.accountId);
    refuseClosed(account);
    let imported = 0;
    for (const [externalId, kind, amountCents, description, daysAgo] of STATEMENT) {
      const inserted = await ctx.db.query(
        `INSERT INTO demo.transactions
           (id, account_id, kind, amount_cents, currency, description, status, source, external_id,
            occurred_at, posted_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'posted', 'import', $7,
                 now() - make_interval(days => $8), now() - make_interval(days => $8))
         ON CONFLICT ON CONSTRAINT transactions_external_key DO NOTHING`,
        [
          `txn_imp_${p.accountId.replace(/^acc_/, "")}_${externalId}`.toLowerCase(),
          p.accountId,
          kind,
          amountCents,
          account.currency,
          description,
          externalId,
          daysAgo,
        ],
      );
      imported += inserted.rowCount ?? 0;
    }
    ctx.snapshot.after({ imported });
    return { accountId: p.accountId, imported, alreadyThere: STATEMENT.length - imported };
  },
});
