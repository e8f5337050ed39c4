// The demo's schedule: every morning the fraud check flags the last day's suspicious card
// spending, as the `fraud-bot` service identity, and starts the fraud runbook for each account it
// flagged — whose decision step then waits in the risk team's inbox.
import { defineSchedule } from "../../src/sdk/index.ts";

export const dailyFraudCheck = defineSchedule({
  name: "daily_fraud_check",
  title: "Daily fraud check",
  description: "Flags the last day's large or high-risk card spending and starts a fraud review per account.",
  cron: "0 6 * * *",
  timeZone: "Europe/London",
  as: "fraud-bot",
  target: {
    action: "flag_suspicious_transactions",
    params: { days: 1 },
    forEach: {
      runbook: "fraud_review",
      inputs: (accounts: { accountId: string }[]) => accounts.map((a) => ({ accountId: a.accountId })),
    },
  },
  missed: "catchUpOnce",
});
