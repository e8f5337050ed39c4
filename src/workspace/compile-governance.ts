// The workspace's governance settings, checked at start like every other part of the workspace:
// which access and policy changes need a second admin, and how long the cooldowns last.
import type { Workspace } from "../sdk/define-workspace.ts";
import type { ChangeKindName, FourEyesRule } from "../sdk/governance-definition.ts";

export const CHANGE_KINDS: readonly ChangeKindName[] = [
  "group.add_member",
  "group.remove_member",
  "grant.add",
  "grant.revoke",
  "policy.mode",
  "user.create",
  "token.create",
];

// On by default for what gives run/approve/reveal on a high or critical action (and admin on *),
// and for every policy-mode switch; revoking access (a grant, a membership) takes nothing away
// from anyone's controls.
const DEFAULT_RULES: Record<ChangeKindName, FourEyesRule> = {
  "group.add_member": "sensitive",
  "group.remove_member": "never",
  "grant.add": "sensitive",
  "grant.revoke": "never",
  "policy.mode": "always",
  "user.create": "sensitive",
  // A token for a service identity lets its holder act as the service.
  "token.create": "sensitive",
};

export interface CompiledGovernance {
  changeRequests: Readonly<Record<ChangeKindName, FourEyesRule>>;
  reviewerCooldownMs: number;
  changeRequestExpiryMs: number;
  invitationExpiryMs: number;
}

const HOUR_MS = 3_600_000;

export function compileGovernance(workspace: Workspace, problems: string[]): CompiledGovernance {
  const given = workspace.governance ?? {};
  const rules = { ...DEFAULT_RULES };
  for (const [kind, rule] of Object.entries(given.changeRequests ?? {})) {
    if (!CHANGE_KINDS.includes(kind as ChangeKindName))
      problems.push(`governance.changeRequests.${kind}: not a change kind (${CHANGE_KINDS.join(", ")}).`);
    else if (!["always", "sensitive", "never"].includes(rule as string))
      problems.push(`governance.changeRequests.${kind}: use "always", "sensitive" or "never".`);
    else rules[kind as ChangeKindName] = rule as FourEyesRule;
  }
  const hours = (name: string, value: number | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback * HOUR_MS;
    if (!Number.isFinite(value) || value < 0 || value > max) {
      problems.push(`governance.${name}: a number of hours from 0 to ${max}.`);
      return fallback * HOUR_MS;
    }
    return value * HOUR_MS;
  };
  return {
    changeRequests: rules,
    reviewerCooldownMs: hours("reviewerCooldownHours", given.reviewerCooldownHours, 24, 24 * 90),
    changeRequestExpiryMs: hours("changeRequestExpiryHours", given.changeRequestExpiryHours, 72, 24 * 30),
    invitationExpiryMs: hours("invitationExpiryHours", given.invitationExpiryHours, 24 * 7, 24 * 30),
  };
}
