// Pricing: change a plan's monthly fee for every account on it. Made through the pricing_change
// runbook, whose approval gate asks a second ops member before the fee changes. Run directly
// (ops hold `run` on pricing, which the runbook's step needs), the same second ops member must
// approve it: the fee never changes on one person's word. Inside the runbook the approved gate
// is that approval (`rb.run(…, { approval: gate })`), not asked twice.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { cents, PLANS } from "./customer-common.ts";

export const setPlanFee = defineAction({
  name: "set_plan_fee",
  title: "Set a plan's monthly fee",
  description: "Changes the monthly fee of a plan (every account on it pays the new fee).",
  tags: ["pricing"],
  risk: "high",
  execution: "inline",
  params: z.object({
    plan: z.enum(PLANS).meta({ label: "Plan", widget: "select" }),
    monthlyFeeCents: z.number().int().min(0).max(100_000).meta({ label: "Monthly fee (cents)" }),
  }),
  output: z.object({
    plan: z.string(),
    previousFeeCents: z.number().int(),
    monthlyFeeCents: z.number().int(),
  }),
  target: (p) => ({ type: "plan", id: p.plan }),
  approval: {
    name: "set_plan_fee.second_ops_member",
    description: "A plan's fee changes only with a second ops member's approval.",
    reviewers: { groups: ["ops"] },
    expiresIn: "48h",
  },
  async handler(p, ctx) {
    const current = await ctx.db.query<{ monthly_fee_cents: string }>(
      "SELECT monthly_fee_cents FROM demo.plans WHERE plan = $1 FOR UPDATE",
      [p.plan],
    );
    const row = current.rows[0];
    if (!row) throw new ActionError("plan_not_found", `There is no plan ${p.plan}.`);
    const previousFeeCents = cents(row.monthly_fee_cents);
    ctx.snapshot.before({ monthlyFeeCents: previousFeeCents });
    await ctx.db.query("UPDATE demo.plans SET monthly_fee_cents = $2 WHERE plan = $1", [
      p.plan,
      p.monthlyFeeCents,
    ]);
    ctx.snapshot.after({ monthlyFeeCents: p.monthlyFeeCents });
    return { plan: p.plan, previousFeeCents, monthlyFeeCents: p.monthlyFeeCents };
  },
});
