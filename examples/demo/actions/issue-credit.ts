// issue_credit: a goodwill credit from the goodwill budget (sys_credits) to a customer's account,
// posted through the ledger with the run's idempotency key as the journal's reference, so a
// replayed or retried request can never credit twice. Over $100 a support manager approves.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import {
  accountIdField,
  balanceOf,
  describeAccount,
  loadAccount,
  moneyField,
  postRunJournal,
} from "./money-helpers.ts";

/** Credits above this (in minor units: $100.00) need a support manager's approval. */
export const CREDIT_APPROVAL_ABOVE_CENTS = 10_000;

export const issueCredit = defineAction({
  name: "issue_credit",
  title: "Issue a goodwill credit",
  description:
    "Credits a customer's account from the goodwill budget, e.g. after an outage or a service failure. " +
    "Credits over $100 wait for a support manager's approval. A closed account cannot be credited.",
  tags: ["support"],
  risk: "medium",
  reasonRequired: true,
  params: z.object({
    accountId: accountIdField("Account", "The account to credit, e.g. acc_demo_alice."),
    amountCents: moneyField(
      "Amount",
      "In the account's currency. Over $100.00 a support manager must approve.",
      500_000,
    ),
    memo: z.string().trim().min(3).max(140).optional().meta({
      label: "Statement text",
      help: "What the customer sees on their statement. Default: Goodwill credit.",
      placeholder: "Goodwill credit",
    }),
  }),
  output: z.object({
    journalId: z.number().int(),
    accountId: z.string(),
    currency: z.string(),
    amountCents: z.number().int(),
    balanceCents: z.number().int(),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  approval: {
    description: "Goodwill credits over $100 are approved by a support manager.",
    when: (p) =>
      p.amountCents > CREDIT_APPROVAL_ABOVE_CENTS
        ? `A credit of ${(p.amountCents / 100).toFixed(2)} is over the 100.00 a support agent may give alone.`
        : false,
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
    expiresIn: "24h",
  },
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  describe: (target, { db }) => describeAccount(db, target.id),
  async handler(p, ctx) {
    const account = await loadAccount(ctx.db, p.accountId, { lock: true });
    if (account.status === "closed") {
      throw new ActionError(
        "account_closed",
        `Account ${account.id} is closed: a closed account takes no credits.`,
        {
          accountId: account.id,
        },
      );
    }
    ctx.snapshot.before({
      accountId: account.id,
      status: account.status,
      balanceCents: account.balanceCents,
    });
    const journalId = await postRunJournal(ctx, {
      kind: "credit",
      memo: p.memo ?? "Goodwill credit",
      currency: account.currency,
      entries: [
        { systemAccountId: "sys_credits", currency: account.currency, amountCents: -p.amountCents },
        { accountId: account.id, currency: account.currency, amountCents: p.amountCents },
      ],
    });
    const balanceCents = await balanceOf(ctx.db, account.id);
    ctx.snapshot.after({ accountId: account.id, status: account.status, balanceCents });
    return {
      journalId,
      accountId: account.id,
      currency: account.currency,
      amountCents: p.amountCents,
      balanceCents,
    };
  },
});
