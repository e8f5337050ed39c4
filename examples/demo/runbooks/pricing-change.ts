// The pricing-change runbook: an ops analyst proposes a plan's new monthly fee with a rationale,
// a second ops member approves the gate (never the proposer: no self-approval), then the fee is
// applied — one governed action step, run as the proposer, under the gate's approval (the action's
// own policy asks the same second ops member for a direct run). The proposer may name that second
// member when starting it (the start form's reviewer picker); unnamed, the gate asks all of ops.
import { defineRunbook, z } from "../../../src/sdk/index.ts";
import { PLANS } from "../actions/customer-common.ts";

export const pricingChange = defineRunbook({
  name: "pricing_change",
  title: "Change a plan's price",
  description:
    "Proposes a plan's new monthly fee; a second ops member approves it before it applies to every account on the plan.",
  tags: ["pricing"],
  params: z.object({
    plan: z.enum(PLANS).meta({ label: "Plan", widget: "select" }),
    monthlyFeeCents: z.number().int().min(0).max(100_000).meta({ label: "New monthly fee (cents)" }),
    rationale: z.string().min(10).max(500).meta({ label: "Why" }),
  }),
  uses: ["set_plan_fee"],
  async handler(rb, { plan, monthlyFeeCents, rationale }) {
    const proposal = await rb.step("proposal", async () => ({
      plan,
      monthlyFeeCents,
      rationale,
      summary: `${plan}: ${(monthlyFeeCents / 100).toFixed(2)} a month`,
    }));
    await rb.log(`Proposed ${proposal.summary} (${rationale}).`);
    const gate = await rb.approve({
      reviewers: { groups: ["ops"] },
      reason: `Set ${proposal.summary}. ${rationale}`,
      expiresIn: "48h",
      requesterChoosesReviewers: true,
    });
    await rb.log(`Approved by ${gate.approvedBy.length} reviewer(s); applying.`);
    const applied = await rb.run<{ previousFeeCents: number; monthlyFeeCents: number }>(
      "set_plan_fee",
      { plan: proposal.plan, monthlyFeeCents: proposal.monthlyFeeCents },
      { approval: gate },
    );
    return { plan, previousFeeCents: applied.previousFeeCents, monthlyFeeCents: applied.monthlyFeeCents };
  },
});
