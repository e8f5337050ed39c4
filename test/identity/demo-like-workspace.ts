// A workspace shaped like the demo's access model: the six demo roles, actions spread over tags,
// grants by tag, by action and on `*`, PII classes to reveal, and one action nobody is granted.
// Handlers do nothing, so any action can be run in a test without fixtures.

import type { GrantDefinition } from "../../src/sdk/define-workspace.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";

const action = (name: string, tags: string[], output?: z.ZodObject) =>
  defineAction({
    name,
    title: name.replaceAll("_", " "),
    tags,
    execution: "inline",
    params: z.object({}),
    ...(output ? { output } : {}),
    handler: () => (output ? { card: "411111••••••1111", ssn: "•••-••-1234" } : {}),
  });

export const DEMO_ACTIONS = [
  action("issue_credit", ["billing", "money-movement"]),
  action("refund_payment", ["billing", "payments"]),
  action("lookup_account", ["accounts", "readonly"]),
  action("move_money", ["money-movement", "ledger"]),
  action("erase_customer", ["gdpr"]),
  action("export_customer_data", ["gdpr", "readonly"]),
  action(
    "payment_confirmation",
    ["payments"],
    z.object({
      card: z.string().meta({ pii: "card_number" }),
      ssn: z.string().meta({ pii: "ssn" }),
    }),
  ),
  action("clear_fraud_flag", ["fraud"]),
  action("toggle_feature_flag", ["features"]),
  action("make_admin", ["account-admin"]),
  // Declared, tagged, and granted to nobody: must be invisible and unrunnable for everyone.
  action("orphan_action", ["orphans"]),
];

/** Role → the group whose members hold it (the service identity holds risk-analyst too). */
export const DEMO_ROLE_GROUPS: Record<string, string> = {
  support: "support",
  "support-manager": "support-managers",
  "risk-analyst": "risk",
  ops: "ops",
  compliance: "compliance",
  admin: "admins",
};

export const DEMO_GRANTS: GrantDefinition[] = [
  { to: "support", verbs: ["view", "run"], on: { tag: "billing" } },
  { to: "support", verbs: ["view"], on: { tag: "accounts" } },
  { to: "support", verbs: ["run"], on: { action: "lookup_account" } },
  { to: "support", verbs: ["view"], on: { tag: "payments" } },
  { to: "support-manager", verbs: ["view", "run", "approve"], on: { tag: "billing" } },
  { to: "support-manager", verbs: ["reveal:card_number"], on: { action: "payment_confirmation" } },
  { to: "risk-analyst", verbs: ["view", "run"], on: { tag: "fraud" } },
  { to: "risk-analyst", verbs: ["view"], on: { tag: "payments" } },
  { to: "risk-analyst", verbs: ["audit"], on: { tag: "fraud" } },
  { to: "ops", verbs: ["view", "run"], on: { tag: "features" } },
  { to: "ops", verbs: ["view", "run"], on: { tag: "ledger" } },
  { to: "compliance", verbs: ["view", "run", "approve"], on: { tag: "gdpr" } },
  { to: "compliance", verbs: ["audit"], on: "*" },
  { to: "compliance", verbs: ["reveal:*"], on: { tag: "payments" } },
  { to: "admin", verbs: ["admin"], on: "*" },
];

export const demoLikeWorkspace = defineWorkspace({
  name: "demo_like",
  actions: DEMO_ACTIONS,
  roles: Object.fromEntries(
    Object.entries(DEMO_ROLE_GROUPS).map(([role, group]) => [
      role,
      { groups: [group], ...(role === "risk-analyst" ? { services: ["nightly-fraud-check"] } : {}) },
    ]),
  ),
  grants: DEMO_GRANTS,
  groups: { "sso-only": { description: "Filled from the SSO groups claim" } },
  services: { "nightly-fraud-check": { description: "Runs the daily fraud check" } },
});
