// The documented authorization rules, computed from a grant list without the authorizer's code:
// a grant covers its target (one action, a tag, or `*`); `view` comes with any verb; `reveal:*`
// reveals every class. Matrix tests compare the authorizer's answers with this.
import type { GrantDefinition, Verb } from "../../src/sdk/define-workspace.ts";

export function grantsAllow(
  grants: GrantDefinition[],
  role: string,
  verb: Verb,
  action: { name: string; tags?: readonly string[] | undefined },
): boolean {
  return grants.some((grant) => {
    if (grant.to !== role) return false;
    const targets =
      grant.on === "*" ||
      ("action" in grant.on && grant.on.action === action.name) ||
      ("tag" in grant.on && (action.tags ?? []).includes(grant.on.tag));
    if (!targets) return false;
    if (grant.verbs.includes(verb)) return true;
    if (verb === "view") return grant.verbs.length > 0;
    return verb.startsWith("reveal:") && grant.verbs.includes("reveal:*");
  });
}
