import { NEXT, type PolicyMatch, type Stage } from "../pipeline-context.ts";

/**
 * Stage 7: which approval policies apply to these validated parameters. Enforced ones hold the
 * run for review (execute creates the approval request); monitored ones are only recorded. A
 * policy whose `when` throws is treated as applying: a broken rule fails closed. The mode is the
 * effective one: an admin's stored override (policy-modes.ts) wins over the code's default.
 */
export const approvalPolicy: Stage = {
  name: "approval policy",
  async run(ctx) {
    const enforced: PolicyMatch[] = [];
    const monitored: PolicyMatch[] = [];
    for (const policy of ctx.action!.policies) {
      let because: string | null = null;
      let applies: boolean;
      try {
        const verdict = policy.when
          ? policy.when(ctx.params!, { actor: actorOf(ctx), groups: ctx.principal!.groups })
          : true;
        applies = verdict === true || (typeof verdict === "string" && verdict.length > 0);
        if (typeof verdict === "string") because = verdict;
      } catch (error) {
        ctx.deps.log.error(
          { policy: policy.name, err: error },
          "approval policy failed to evaluate; requiring approval",
        );
        applies = true;
        because = "the policy could not be evaluated";
      }
      if (!applies) continue;
      const mode = ctx.deps.policyModes
        ? await ctx.deps.policyModes.effectiveMode(ctx.action!.name, policy)
        : policy.mode;
      (mode === "enforce" ? enforced : monitored).push({ policy, because });
    }
    ctx.enforced = enforced;
    ctx.monitored = monitored;
    return NEXT;
  },
};

function actorOf(ctx: Parameters<Stage["run"]>[0]) {
  const p = ctx.principal!;
  return { id: p.id, kind: p.kind, name: p.name, email: p.email };
}
