// Account setup: more trial days. A trial that already ended restarts from today; one still
// running is extended from its current end. Up to 90 days at a time; the monitor-mode policy
// records extensions of more than 30 days, which ops may later decide to gate.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { accountIdField, iso, lockAccount, refuseClosed } from "./customer-common.ts";

export const extendTrial = defineAction({
  name: "extend_trial",
  title: "Extend a trial",
  description:
    "Adds days to an account's trial of its plan: from the current end, or from today if it already ended. At most 90 days at a time.",
  tags: ["accounts"],
  risk: "low",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    accountId: accountIdField("An account on a trial, e.g. acc_demo_trial."),
    days: z.number().int("Whole days only.").min(1).max(90, "At most 90 days at a time.").meta({
      label: "Days to add",
      help: "1 to 90. More than 30 is reviewed in the policy report.",
      widget: "number",
    }),
  }),
  output: z.object({
    accountId: z.string(),
    plan: z.string(),
    previousTrialEndsAt: z.string(),
    trialEndsAt: z.string(),
    daysAdded: z.number().int(),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  approval: {
    name: "extend_trial.long_extension",
    description: "Monitoring: would extensions of more than 30 days need a second person from ops?",
    when: (p) => (p.days > 30 ? `extends the trial by ${p.days} days (more than 30)` : false),
    reviewers: { groups: ["ops"] },
    mode: "monitor",
  },
  async handler(p, ctx) {
    const account = await lockAccount(ctx.db, p.accountId);
    refuseClosed(account);
    if (account.trial_ends_at === null)
      throw new ActionError(
        "no_trial",
        `Account ${p.accountId} is not on a trial; there is nothing to extend.`,
      );
    ctx.snapshot.before({ trialEndsAt: iso(account.trial_ends_at) });
    const updated = await ctx.db.query<{ trial_ends_at: Date }>(
      `UPDATE demo.accounts SET trial_ends_at = greatest(trial_ends_at, now()) + $2::int * interval '1 day'
        WHERE id = $1 RETURNING trial_ends_at`,
      [p.accountId, p.days],
    );
    const trialEndsAt = iso(updated.rows[0]!.trial_ends_at)!;
    ctx.snapshot.after({ trialEndsAt });
    return {
      accountId: p.accountId,
      plan: account.plan,
      previousTrialEndsAt: iso(account.trial_ends_at)!,
      trialEndsAt,
      daysAdded: p.days,
    };
  },
});
