// The daily fraud check's rule: flag the last days' card spending that is large (over 500 in the
// account's currency) or at a high-risk merchant, and not yet reviewed. Run by the
// `daily_fraud_check` schedule as the `fraud-bot` service identity; the schedule then starts the
// fraud runbook for each account it flagged (examples/demo/schedules.ts).
import { defineAction, z } from "../../../src/sdk/index.ts";

export const flagSuspiciousTransactions = defineAction({
  name: "flag_suspicious_transactions",
  title: "Flag suspicious transactions",
  description:
    "Flags recent card spending over 500 or at a high-risk merchant for fraud review; lists the accounts with newly flagged transactions.",
  tags: ["risk"],
  risk: "medium",
  execution: "inline",
  timeout: "30s",
  params: z.object({
    days: z.number().int().min(1).max(30).default(1).meta({ label: "Look back this many days" }),
  }),
  output: z.array(z.object({ accountId: z.string(), flagged: z.number().int() })),
  async handler(p, ctx) {
    // Index: transactions_time_idx (occurred_at), the last days' activity only.
    const flagged = await ctx.db.query<{ account_id: string }>(
      `UPDATE demo.transactions t
          SET fraud_flag = 'flagged', flagged_at = now(),
              fraud_reason = 'Daily check: large amount or high-risk merchant'
         FROM demo.transactions s LEFT JOIN demo.merchants m ON m.id = s.merchant_id
        WHERE t.id = s.id AND s.occurred_at > now() - make_interval(days => $1)
          AND s.fraud_flag = 'none' AND s.status <> 'declined' AND s.amount_cents < 0
          AND (s.amount_cents < -50000 OR m.risk_level = 'high')
      RETURNING t.account_id`,
      [p.days],
    );
    const byAccount = new Map<string, number>();
    for (const row of flagged.rows) byAccount.set(row.account_id, (byAccount.get(row.account_id) ?? 0) + 1);
    ctx.log.info(`flagged ${flagged.rowCount} transactions on ${byAccount.size} accounts`);
    return [...byAccount].sort().map(([accountId, count]) => ({ accountId, flagged: count }));
  },
});
