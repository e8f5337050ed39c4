// Fraud review: the flagged transaction is legitimate. Records who cleared it, when and why.
import { defineAction, z } from "../../../src/sdk/index.ts";
import { actorLabel, iso, lockFlaggedTransaction, noteField, transactionIdField } from "./customer-common.ts";

export const clearFraudFlag = defineAction({
  name: "clear_fraud_flag",
  title: "Clear a fraud flag",
  description:
    "Marks a flagged card transaction as legitimate after review. The analyst and the note are kept on the transaction. Refused when the transaction is not waiting for review.",
  tags: ["risk"],
  risk: "medium",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    transactionId: transactionIdField(),
    reason: noteField(
      "Why it is legitimate",
      "Kept on the transaction as the review note, e.g. “Customer confirmed the purchase by phone”.",
    ),
  }),
  output: z.object({
    transactionId: z.string(),
    fraudFlag: z.literal("cleared"),
    reviewedBy: z.string(),
    reviewedAt: z.string(),
  }),
  target: (p) => ({ type: "transaction", id: p.transactionId }),
  async handler(p, ctx) {
    const transaction = await lockFlaggedTransaction(ctx.db, p.transactionId);
    ctx.snapshot.before({ fraudFlag: transaction.fraud_flag, reviewedBy: null, reviewNote: null });
    const reviewedBy = actorLabel(ctx.actor);
    const updated = await ctx.db.query<{ reviewed_at: Date }>(
      `UPDATE demo.transactions
          SET fraud_flag = 'cleared', reviewed_by = $2, reviewed_at = now(), review_note = $3
        WHERE id = $1
        RETURNING reviewed_at`,
      [p.transactionId, reviewedBy, p.reason],
    );
    ctx.snapshot.after({ fraudFlag: "cleared", reviewedBy, reviewNote: p.reason });
    return {
      transactionId: p.transactionId,
      fraudFlag: "cleared" as const,
      reviewedBy,
      reviewedAt: iso(updated.rows[0]!.reviewed_at)!,
    };
  },
});
