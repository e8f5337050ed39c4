/**
 * The kinds of access and policy change that can need a second admin: adding a member to a
 * group, removing one, adding or revoking a stored grant, switching a policy's mode, creating a
 * user (with their groups), creating an API token for another identity (a service identity).
 */
export type ChangeKindName =
  | "group.add_member"
  | "group.remove_member"
  | "grant.add"
  | "grant.revoke"
  | "policy.mode"
  | "user.create"
  | "token.create";

/**
 * When a change of a kind becomes a change request: `always`; `sensitive` — when it gives `run`,
 * `approve` or `reveal:*` on a high or critical action, or `admin` on `*`; `never`.
 */
export type FourEyesRule = "always" | "sensitive" | "never";

/**
 * The workspace's governance settings (all optional).
 *
 * @example
 * governance: { changeRequests: { "grant.revoke": "always" }, reviewerCooldownHours: 48 }
 */
export interface GovernanceDefinition {
  /**
   * Per change kind (defaults: `policy.mode` always; `grant.revoke` and `group.remove_member`
   * never; the rest sensitive).
   */
  changeRequests?: Partial<Record<ChangeKindName, FourEyesRule>>;
  /** Hours a person added to a reviewer group by their own change request may not approve (24). */
  reviewerCooldownHours?: number;
  /** Hours a change request waits for a second admin before it expires (72). */
  changeRequestExpiryHours?: number;
  /** Hours an invitation link works before the person must be invited again (168: a week). */
  invitationExpiryHours?: number;
}
