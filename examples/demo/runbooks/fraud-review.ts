// The fraud runbook: find the account's flagged transactions, build a report, ask the risk team
// to decide (the step waits in their inbox), then clear or confirm each transaction — every
// action step through the control layer as the analyst who started the runbook.
import { defineRunbook, z } from "../../../src/sdk/index.ts";
import { accountIdField } from "../actions/customer-common.ts";

interface Flagged {
  transactionId: string;
  amountCents: number;
  currency: string;
  merchant: string | null;
  flagReason: string;
}

export const fraudReview = defineRunbook({
  name: "fraud_review",
  title: "Review an account's flagged transactions",
  description:
    "Lists the account's flagged card transactions, reports them, asks a risk analyst to clear or confirm them, then applies the decision to each.",
  tags: ["risk"],
  params: z.object({
    accountId: accountIdField("The account to review, e.g. acc_demo_flagged."),
  }),
  uses: ["list_flagged_transactions", "clear_fraud_flag", "confirm_fraud"],
  async handler(rb, { accountId }) {
    const flagged = await rb.run<Flagged[]>("list_flagged_transactions", { accountId });
    const report = await rb.step("report", async () => ({
      count: flagged.length,
      totalCents: flagged.reduce((sum, t) => sum + t.amountCents, 0),
      transactions: flagged.map((t) => ({
        transactionId: t.transactionId,
        amountCents: t.amountCents,
        currency: t.currency,
        merchant: t.merchant,
        flagReason: t.flagReason,
      })),
    }));
    await rb.log(
      `${report.count} flagged transactions on ${accountId}, ${report.totalCents} cents in total.`,
    );
    if (report.count === 0) return { decision: "none", count: 0 };
    await rb.log("Waiting for the risk team's decision (their inbox lists this step).");
    const { decision, reason } = await rb.input(
      z.object({
        decision: z.enum(["clear", "confirm"]).meta({ label: "Decision" }),
        reason: z.string().min(10).meta({ label: "Reason, kept on each transaction" }),
      }),
      {
        assignee: { group: "risk" },
        title: `Clear or confirm ${report.count} flagged transactions on ${accountId}`,
        expiresIn: "72h",
      },
    );
    for (const [index, transaction] of report.transactions.entries()) {
      await rb.run(
        decision === "clear" ? "clear_fraud_flag" : "confirm_fraud",
        { transactionId: transaction.transactionId, reason },
        { step: `${decision}_${index + 1}` },
      );
      await rb.progress(index + 1, report.count, decision === "clear" ? "cleared" : "confirmed");
    }
    return { decision, count: report.count };
  },
});
