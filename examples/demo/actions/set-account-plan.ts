// Account setup: move an account to another plan. Only `business` may overdraw, so moving down
// from it is refused while the account is overdrawn beyond what the new plan allows, and while its
// overdraft limit is above the new plan's maximum unless ops explicitly lowers the limit with it.
// The database enforces both (accounts_plan_overdraft, accounts_overdraft); the checks here give
// the clear message first.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import {
  accountIdField,
  cents,
  lockAccount,
  money,
  PLANS,
  refuseClosed,
  translating,
} from "./customer-common.ts";

export const setAccountPlan = defineAction({
  name: "set_account_plan",
  title: "Change an account's plan",
  description:
    "Moves an account to Basic, Plus or Business. Refused when the balance or the overdraft limit does not fit the new plan.",
  tags: ["accounts"],
  risk: "medium",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    accountId: accountIdField(),
    plan: z.enum(PLANS).meta({
      label: "New plan",
      widget: "select",
      help: "Basic (free, no overdraft), Plus ($9.99/month) or Business ($29.99/month, overdraft up to $5,000).",
    }),
    lowerOverdraftLimit: z.boolean().default(false).meta({
      label: "Lower the overdraft limit to fit",
      help: "When the current overdraft limit is above the new plan's maximum, lower it to that maximum.",
    }),
  }),
  output: z.object({
    accountId: z.string(),
    previousPlan: z.string(),
    plan: z.string(),
    monthlyFeeCents: z.number().int(),
    overdraftLimitCents: z.number().int(),
    balanceCents: z.number().int(),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  async handler(p, ctx) {
    const account = await lockAccount(ctx.db, p.accountId);
    refuseClosed(account);
    if (account.plan === p.plan)
      throw new ActionError("plan_unchanged", `Account ${p.accountId} is already on the ${p.plan} plan.`);
    const plan = (
      await ctx.db.query<{ monthly_fee_cents: string; max_overdraft_cents: string }>(
        "SELECT monthly_fee_cents, max_overdraft_cents FROM demo.plans WHERE plan = $1",
        [p.plan],
      )
    ).rows[0]!;
    const balance = cents(account.balance_cents);
    const limit = cents(account.overdraft_limit_cents);
    const maxOverdraft = cents(plan.max_overdraft_cents);
    if (balance < -maxOverdraft) {
      throw new ActionError(
        "balance_below_plan",
        `Account ${p.accountId} is overdrawn (${money(balance, account.currency)}); the ${p.plan} plan allows ${
          maxOverdraft === 0
            ? "no overdraft"
            : `an overdraft of at most ${money(maxOverdraft, account.currency)}`
        }. Bring the balance up first.`,
        { balanceCents: balance, maxOverdraftCents: maxOverdraft },
      );
    }
    if (limit > maxOverdraft && !p.lowerOverdraftLimit) {
      throw new ActionError(
        "overdraft_limit_exceeds_plan",
        `Account ${p.accountId} has an overdraft limit of ${money(limit, account.currency)}, above the ${p.plan} plan's maximum of ${money(maxOverdraft, account.currency)}. Choose “Lower the overdraft limit to fit” to lower it with the plan change.`,
        { overdraftLimitCents: limit, maxOverdraftCents: maxOverdraft },
      );
    }
    const newLimit = Math.min(limit, maxOverdraft);
    ctx.snapshot.before({ plan: account.plan, overdraftLimitCents: limit });
    const updated = await translating(
      () =>
        ctx.db.query<{ plan: string; overdraft_limit_cents: string; balance_cents: string }>(
          `UPDATE demo.accounts SET plan = $2, overdraft_limit_cents = $3 WHERE id = $1
           RETURNING plan, overdraft_limit_cents, balance_cents`,
          [p.accountId, p.plan, newLimit],
        ),
      {
        accounts_plan_overdraft: () =>
          new ActionError(
            "overdraft_limit_exceeds_plan",
            `The overdraft limit of account ${p.accountId} does not fit the ${p.plan} plan.`,
          ),
        accounts_overdraft: () =>
          new ActionError(
            "balance_below_plan",
            `Account ${p.accountId} is overdrawn beyond what the ${p.plan} plan allows.`,
          ),
      },
    );
    const row = updated.rows[0]!;
    ctx.snapshot.after({ plan: row.plan, overdraftLimitCents: cents(row.overdraft_limit_cents) });
    return {
      accountId: p.accountId,
      previousPlan: account.plan,
      plan: row.plan,
      monthlyFeeCents: cents(plan.monthly_fee_cents),
      overdraftLimitCents: cents(row.overdraft_limit_cents),
      balanceCents: cents(row.balance_cents),
    };
  },
});
