// Fraud review: the flagged transaction is fraud. Confirms the flag and stops further damage by
// freezing the card (default) and, with a second analyst's approval, the whole account. A frozen
// card declines new purchases; a frozen account can still receive money but not pay out
// (the ledger enforces it). Money is not moved here: a chargeback or refund is its own action.
//
// Policies:
//   confirm_fraud.account_freeze  enforce  when the account is to be frozen: a second risk analyst
//                                          must agree (it blocks every payment of the customer).
//   confirm_fraud.second_analyst  monitor  every confirmation; records how often a four-eyes rule
//                                          on all confirmations would fire, before anyone enforces it
//                                          (switch with `airlock policies mode … enforce`).
import { defineAction, z } from "../../../src/sdk/index.ts";
import {
  actorLabel,
  describeTransaction,
  iso,
  lockFlaggedTransaction,
  noteField,
  transactionIdField,
} from "./customer-common.ts";

export const confirmFraud = defineAction({
  name: "confirm_fraud",
  title: "Confirm fraud",
  description:
    "Confirms a flagged card transaction as fraud, freezes the card and optionally the account. Freezing the account needs a second risk analyst.",
  tags: ["risk"],
  risk: "high",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    transactionId: transactionIdField(),
    reason: noteField(
      "Evidence",
      "Kept on the transaction as the review note, e.g. “Customer did not make it; phone confirmed card not present”.",
    ),
    freezeCard: z
      .boolean()
      .default(true)
      .meta({ label: "Freeze the card", help: "The card used for the transaction declines new purchases." }),
    freezeAccount: z.boolean().default(false).meta({
      label: "Freeze the whole account",
      help: "No money can leave the account until it is unfrozen. Needs a second risk analyst's approval.",
    }),
  }),
  output: z.object({
    transactionId: z.string(),
    fraudFlag: z.literal("confirmed"),
    reviewedBy: z.string(),
    reviewedAt: z.string(),
    cardId: z.string().nullable(),
    cardStatus: z.string().nullable(),
    accountId: z.string(),
    accountStatus: z.string(),
  }),
  target: (p) => ({ type: "transaction", id: p.transactionId }),
  approval: [
    {
      name: "confirm_fraud.account_freeze",
      description: "Freezing a whole account needs a second risk analyst.",
      when: (p) =>
        p.freezeAccount ? "freezes the whole account: every payment of the customer will be declined" : false,
      reviewers: { groups: ["risk"] },
      expiresIn: "4h",
      mode: "enforce",
    },
    {
      name: "confirm_fraud.second_analyst",
      description:
        "Monitoring: would every fraud confirmation need a second analyst? Records the runs it would gate.",
      reviewers: { groups: ["risk"] },
      mode: "monitor",
    },
  ],
  describe: (target, { db }) => describeTransaction(db, target.id),
  async handler(p, ctx) {
    const transaction = await lockFlaggedTransaction(ctx.db, p.transactionId);
    const state = await ctx.db.query<{ card_status: string | null; account_status: string }>(
      `SELECT c.status AS card_status, a.status AS account_status
         FROM demo.accounts a LEFT JOIN demo.cards c ON c.id = $2
        WHERE a.id = $1
          FOR NO KEY UPDATE OF a`,
      [transaction.account_id, transaction.card_id],
    );
    const before = state.rows[0]!;
    ctx.snapshot.before({
      fraudFlag: transaction.fraud_flag,
      cardStatus: before.card_status,
      accountStatus: before.account_status,
    });

    const reviewedBy = actorLabel(ctx.actor);
    const updated = await ctx.db.query<{ reviewed_at: Date }>(
      `UPDATE demo.transactions
          SET fraud_flag = 'confirmed', reviewed_by = $2, reviewed_at = now(), review_note = $3
        WHERE id = $1
        RETURNING reviewed_at`,
      [p.transactionId, reviewedBy, p.reason],
    );
    let cardStatus = before.card_status;
    if (p.freezeCard && transaction.card_id && cardStatus === "active") {
      await ctx.db.query("UPDATE demo.cards SET status = 'frozen' WHERE id = $1", [transaction.card_id]);
      cardStatus = "frozen";
    }
    let accountStatus = before.account_status;
    if (p.freezeAccount && accountStatus === "active") {
      await ctx.db.query("UPDATE demo.accounts SET status = 'frozen', frozen_at = now() WHERE id = $1", [
        transaction.account_id,
      ]);
      accountStatus = "frozen";
    }
    ctx.snapshot.after({ fraudFlag: "confirmed", cardStatus, accountStatus });
    return {
      transactionId: p.transactionId,
      fraudFlag: "confirmed" as const,
      reviewedBy,
      reviewedAt: iso(updated.rows[0]!.reviewed_at)!,
      cardId: transaction.card_id,
      cardStatus,
      accountId: transaction.account_id,
      accountStatus,
    };
  },
});
