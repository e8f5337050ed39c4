// The demo's past: what issue_credit looked like before its current version. Until October a
// support agent could give up to $250 alone and no credit could exceed $2,000; both were tightened
// after a review of goodwill spending. Airlock records this version in the action change log when
// it starts in demo mode, dated when it was deployed, so the action's page shows what changed.
import { type DemoPastVersion, defineAction, z } from "../../src/sdk/index.ts";
import { issueCredit } from "./actions/issue-credit.ts";
import { accountIdField, moneyField } from "./actions/money-helpers.ts";

const { kind: _kind, ...current } = issueCredit;

const issueCreditUntilOctober = defineAction({
  ...current,
  description:
    "Credits a customer's account from the goodwill budget, e.g. after an outage or a service failure. " +
    "Credits over $250 wait for a support manager's approval. A closed account cannot be credited.",
  params: z.object({
    accountId: accountIdField("Account", "The account to credit, e.g. acc_demo_alice."),
    amountCents: moneyField(
      "Amount",
      "In the account's currency. Over $250.00 a support manager must approve.",
      200_000,
    ),
    memo: current.params.shape.memo,
  }),
  approval: {
    description: "Goodwill credits over $250 are approved by a support manager.",
    when: (p) =>
      p.amountCents > 25_000
        ? `A credit of ${(p.amountCents / 100).toFixed(2)} is over the 250.00 a support agent may give alone.`
        : false,
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
    expiresIn: "24h",
  },
});

export const demoHistory: DemoPastVersion[] = [
  { action: issueCreditUntilOctober, deployedAt: "2026-09-14T09:30:00Z" },
];
