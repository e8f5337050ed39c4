// The issue's scene, small: a high-risk credit needing a support manager's approval above $100,
// support agents who run it, managers who approve it, and admins who administer everything.
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";

export const issueCredit = defineAction({
  name: "issue_credit",
  title: "Issue a credit",
  tags: ["billing"],
  risk: "high",
  execution: "inline",
  params: z.object({ accountId: z.string(), amountCents: z.number().int().positive() }),
  approval: {
    name: "large-credit",
    when: (p) => p.amountCents > 100_00,
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
    mode: "enforce",
  },
  handler: (p) => ({ credited: p.amountCents }),
});

export const lookupAccount = defineAction({
  name: "lookup_account",
  title: "Look up an account",
  tags: ["accounts"],
  risk: "low",
  execution: "inline",
  params: z.object({ accountId: z.string() }),
  handler: (p) => ({ accountId: p.accountId }),
});

export const governanceWorkspace = defineWorkspace({
  name: "governance_test",
  actions: [issueCredit, lookupAccount],
  groups: { support: {}, "support-managers": {}, admins: {}, readers: {} },
  roles: {
    support: { groups: ["support"] },
    "support-manager": { groups: ["support-managers"] },
    reader: { groups: ["readers"] },
    admin: { groups: ["admins"] },
    "billing-bot": { services: ["credit-bot"] },
    "report-bot": { services: ["report-bot"] },
  },
  services: {
    "credit-bot": { description: "Issues credits for the billing system" },
    "report-bot": { description: "Looks accounts up for reports" },
  },
  grants: [
    { to: "support", verbs: ["run"], on: { tag: "billing" } },
    { to: "support-manager", verbs: ["run", "approve"], on: { tag: "billing" } },
    { to: "reader", verbs: ["run"], on: { tag: "accounts" } },
    { to: "admin", verbs: ["admin"], on: "*" },
    { to: "billing-bot", verbs: ["run"], on: { tag: "billing" } },
    { to: "report-bot", verbs: ["run"], on: { tag: "accounts" } },
  ],
});

export default governanceWorkspace;
