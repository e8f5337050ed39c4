// charge_late_fee: a late fee posted to an account (customer −X, sys_fees +X), with the run's
// idempotency key as the journal's reference so a fee is never posted twice. Meant to run in
// bulk over the rows of `find_late_payments`: a batch above 10 accounts or $100.00 in any
// currency waits for a support manager, once, and each account is charged once (two late bills
// of one account are the same item, reported as a duplicate).
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import {
  accountIdField,
  balanceOf,
  describeAccount,
  loadAccount,
  moneyField,
  postRunJournal,
} from "./money-helpers.ts";

/** The fee charged per account when a row does not name one: $25.00. */
export const LATE_FEE_CENTS = 2_500;

export const chargeLateFee = defineAction({
  name: "charge_late_fee",
  title: "Charge a late fee",
  description:
    "Posts a late fee to an account. Run it in bulk on the result of Find late payments: the preview " +
    "shows the total per currency, and a batch above 10 accounts or $100 waits for a support manager.",
  tags: ["payments"],
  risk: "medium",
  params: z.object({
    accountId: accountIdField("Account", "The account to charge, e.g. acc_demo_late."),
    amountCents: moneyField("Fee", "In the account's currency.", 10_000),
    currency: z.enum(["USD", "EUR", "GBP"]).meta({ label: "Currency", help: "The account's currency." }),
  }),
  output: z.object({ journalId: z.number().int(), accountId: z.string(), balanceCents: z.number().int() }),
  target: (p) => ({ type: "account", id: p.accountId }),
  execution: "inline",
  timeout: "10s",
  // An unknown account is refused at preview, before anything runs.
  describe: async (target, { db }) => {
    const account = await describeAccount(db, target.id);
    return account.found ? account : null;
  },
  bulk: {
    maxItems: 500,
    paramsFrom: (row) => ({
      accountId: row.accountId,
      amountCents: row.feeCents === undefined ? LATE_FEE_CENTS : Number(row.feeCents),
      currency: row.currency,
    }),
    amount: (p) => ({ amount: p.amountCents, currency: p.currency }),
    approval: {
      when: (batch) =>
        batch.count > 10
          ? `${batch.count} accounts (more than 10)`
          : Object.values(batch.totals).some((total) => total > 10_000)
            ? "more than 100.00 in fees"
            : false,
      reviewers: { groups: ["support-managers"] },
    },
  },
  async handler(p, ctx) {
    const account = await loadAccount(ctx.db, p.accountId, { lock: true });
    if (account.status === "closed")
      throw new ActionError("account_closed", `Account ${account.id} is closed: it takes no fees.`);
    if (account.currency !== p.currency)
      throw new ActionError(
        "currency_mismatch",
        `Account ${account.id} is in ${account.currency}, the fee in ${p.currency}.`,
      );
    ctx.snapshot.before({ accountId: account.id, balanceCents: account.balanceCents });
    const journalId = await postRunJournal(ctx, {
      kind: "fee",
      memo: "Late payment fee",
      currency: account.currency,
      entries: [
        { accountId: account.id, currency: account.currency, amountCents: -p.amountCents },
        { systemAccountId: "sys_fees", currency: account.currency, amountCents: p.amountCents },
      ],
    });
    const balanceCents = await balanceOf(ctx.db, account.id);
    ctx.snapshot.after({ accountId: account.id, balanceCents });
    return { journalId, accountId: account.id, balanceCents };
  },
});
