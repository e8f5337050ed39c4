// move_money: a transfer between two customer accounts, one `transfer` journal posted with the
// run's idempotency key as its reference. Always approved by someone in `ops` other than the
// requester (Airlock never counts the requester). The ledger refuses overdrafts beyond the
// account's plan, postings to closed accounts and debits of frozen ones; the handler checks the
// same first so the refusal says what is wrong.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import {
  accountIdField,
  balanceOf,
  describeAccount,
  formatCents,
  loadAccounts,
  moneyField,
  postRunJournal,
  reasonField,
} from "./money-helpers.ts";

export const moveMoney = defineAction({
  name: "move_money",
  title: "Move money between accounts",
  description:
    "Transfers an amount from one customer account to another in the same currency. Every transfer " +
    "is approved by another member of operations. The source must have the funds (balance plus its " +
    "plan's overdraft); closed accounts and frozen sources are refused.",
  tags: ["treasury"],
  risk: "high",
  params: z
    .object({
      fromAccountId: accountIdField("From account", "The account the money leaves, e.g. acc_demo_alice."),
      toAccountId: accountIdField("To account", "The account the money goes to, e.g. acc_demo_low."),
      amountCents: moneyField("Amount", "In the accounts' currency (both must have the same).", 10_000_000),
      reason: reasonField(
        "Reason",
        "Why the money moves; kept on the journal, e.g. Customer request, ticket 4711.",
      ),
    })
    .refine((p) => p.fromAccountId !== p.toAccountId, {
      path: ["toAccountId"],
      message: "The money must go to a different account.",
    }),
  output: z.object({
    journalId: z.number().int(),
    currency: z.string(),
    amountCents: z.number().int(),
    fromAccountId: z.string(),
    fromBalanceCents: z.number().int(),
    toAccountId: z.string(),
    toBalanceCents: z.number().int(),
  }),
  target: (p) => ({ type: "account", id: p.fromAccountId }),
  approval: {
    description: "Every transfer between accounts is approved by another member of operations.",
    reviewers: { groups: ["ops"] },
    quorum: 1,
    expiresIn: "24h",
  },
  retry: "safe",
  timeout: "10s",
  describe: (target, { db }) => describeAccount(db, target.id),
  async handler(p, ctx) {
    if (p.fromAccountId === p.toAccountId) {
      throw new ActionError("same_account", "The money must go to a different account.");
    }
    // Both rows locked (in id order, as the ledger does): the balance checked here is the one posted against.
    const accounts = await loadAccounts(ctx.db, [p.fromAccountId, p.toAccountId], { lock: true });
    const from = accounts.get(p.fromAccountId)!;
    const to = accounts.get(p.toAccountId)!;
    for (const account of [from, to]) {
      if (account.status === "closed") {
        throw new ActionError("account_closed", `Account ${account.id} is closed: it takes no postings.`, {
          accountId: account.id,
        });
      }
    }
    if (from.status === "frozen") {
      throw new ActionError("account_frozen", `Account ${from.id} is frozen: money cannot leave it.`, {
        accountId: from.id,
      });
    }
    if (from.currency !== to.currency) {
      throw new ActionError(
        "currency_mismatch",
        `Account ${from.id} is in ${from.currency} and ${to.id} in ${to.currency}: a transfer needs the same currency.`,
        { fromCurrency: from.currency, toCurrency: to.currency },
      );
    }
    const available = from.balanceCents + from.overdraftLimitCents;
    const money = (amount: number) => formatCents(amount, from.currency);
    if (p.amountCents > available) {
      throw new ActionError(
        "insufficient_funds",
        `Account ${from.id} has ${money(from.balanceCents)}${from.overdraftLimitCents > 0 ? ` and an overdraft of ${money(from.overdraftLimitCents)}` : ""}: it cannot send ${money(p.amountCents)}.`,
        { availableCents: available },
      );
    }
    ctx.snapshot.before({
      from: { accountId: from.id, balanceCents: from.balanceCents },
      to: { accountId: to.id, balanceCents: to.balanceCents },
    });
    const journalId = await postRunJournal(ctx, {
      kind: "transfer",
      memo: p.reason,
      currency: from.currency,
      entries: [
        { accountId: from.id, currency: from.currency, amountCents: -p.amountCents },
        { accountId: to.id, currency: to.currency, amountCents: p.amountCents },
      ],
    });
    const fromBalanceCents = await balanceOf(ctx.db, from.id);
    const toBalanceCents = await balanceOf(ctx.db, to.id);
    ctx.snapshot.after({
      from: { accountId: from.id, balanceCents: fromBalanceCents },
      to: { accountId: to.id, balanceCents: toBalanceCents },
    });
    return {
      journalId,
      currency: from.currency,
      amountCents: p.amountCents,
      fromAccountId: from.id,
      fromBalanceCents,
      toAccountId: to.id,
      toBalanceCents,
    };
  },
});
