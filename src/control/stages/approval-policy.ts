import { actorOf } from "../../identity/principal.ts";
import type { Gated, Keyed, Next, Outcome, PolicyMatch } from "../pipeline-context.ts";

/**
 * Stage 7: which approval policies apply to these validated parameters. Enforced ones hold the
 * run for review (execute creates the approval request); monitored ones are only recorded. A
 * policy whose `when` throws is treated as applying: a broken rule fails closed. The mode is the
 * effective one: an admin's stored override (policy-modes.ts) wins over the code's default.
 */
export async function approvalPolicy(ctx: Keyed, next: Next<Gated>): Promise<Outcome> {
  const { action, deps, principal } = ctx;
  const enforced: PolicyMatch[] = [];
  const monitored: PolicyMatch[] = [];
  for (const policy of action.policies) {
    let because: string | null = null;
    let applies: boolean;
    try {
      const verdict = policy.when
        ? policy.when(ctx.params, { actor: actorOf(principal), groups: principal.groups })
        : true;
      applies = verdict === true || (typeof verdict === "string" && verdict.length > 0);
      if (typeof verdict === "string") because = verdict;
    } catch (error) {
      deps.log.error(
        { policy: policy.name, err: error },
        "approval policy failed to evaluate; requiring approval",
      );
      applies = true;
      because = "the policy could not be evaluated";
    }
    if (!applies) continue;
    const mode = deps.policyModes ? await deps.policyModes.effectiveMode(action.name, policy) : policy.mode;
    (mode === "enforce" ? enforced : monitored).push({ policy, because });
  }
  return await next({ ...ctx, enforced, monitored });
}
