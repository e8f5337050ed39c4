// The demo workspace: a small fintech (see README.md in this folder). Separation of duties in one
// place: who runs what, who approves what, who reads the trail and who may reveal which PII.
//
// Actions carry tags; grants are given on tags so a new action lands with the right people by
// choosing its tags:
//   support   support desk: credits, lookups, payment confirmations, customer email
//   payments  merchant payments and bills: refunds, overrides, delinquencies
//   treasury  moving money between accounts
//   risk      fraud review
//   privacy   GDPR/CCPA: export and erasure
//   accounts  account setup: plans, feature flags, trials, new accounts, history imports
//   pricing   plan fees (changed through the pricing_change runbook and its approval gate)
//   access    customer-side administrator rights
//   lookup    the account and customer pickers (every role runs them)
import { defineWorkspace } from "../../src/sdk/index.ts";
import { demoHistory } from "./action-history.ts";
import { allFlaggedAccounts } from "./actions/all-flagged-accounts.ts";
import { customerActions } from "./actions/customer-actions.ts";
import { findAccount } from "./actions/find-account.ts";
import { findCustomer } from "./actions/find-customer.ts";
import { flagSuspiciousTransactions } from "./actions/flag-suspicious-transactions.ts";
import { moneyActions } from "./actions/money-actions.ts";
import { providerPaymentStatus } from "./actions/provider-payment-status.ts";
import { DEMO_USERS } from "./demo-users.ts";
import { demoResources } from "./resources.ts";
import { fraudReview } from "./runbooks/fraud-review.ts";
import { onboarding } from "./runbooks/onboarding.ts";
import { pricingChange } from "./runbooks/pricing-change.ts";
import { dailyFraudCheck } from "./schedules.ts";
import { resetDemo, seedDemo } from "./seed.ts";
import { startDemoServices } from "./services/demo-services.ts";

export default defineWorkspace({
  name: "demo",
  actions: [
    ...moneyActions,
    ...customerActions,
    allFlaggedAccounts,
    providerPaymentStatus,
    findAccount,
    findCustomer,
    flagSuspiciousTransactions,
  ],
  // The core ledger database and the payments provider (local stand-ins in demo mode).
  resources: demoResources,
  runbooks: [fraudReview, onboarding, pricingChange],
  // Every morning: flag suspicious spending, start a fraud review per account (as fraud-bot).
  schedules: [dailyFraudCheck],
  services: { "fraud-bot": { description: "Runs the daily fraud check and the reviews it starts" } },
  groups: {
    support: { description: "Customer support agents" },
    "support-managers": { description: "Support team leads; approve credits, refunds and overrides" },
    risk: { description: "Risk analysts; review fraud flags" },
    ops: { description: "Operations: payments, treasury and account setup" },
    compliance: { description: "Compliance officers: privacy requests, audits, access approvals" },
    admins: { description: "Airlock workspace administrators" },
  },
  roles: {
    support: { description: "Runs support-desk actions", groups: ["support"] },
    "support-manager": {
      description: "Runs and approves support and payment actions; may reveal card numbers",
      groups: ["support-managers"],
    },
    "risk-analyst": {
      description: "Reviews fraud flags; approves other analysts' decisions",
      groups: ["risk"],
    },
    ops: { description: "Runs payments, treasury and account setup; approves transfers", groups: ["ops"] },
    compliance: {
      description: "Privacy requests, access approvals, reads the whole audit trail",
      groups: ["compliance"],
    },
    admin: { description: "Manages users, groups, grants and policy modes", groups: ["admins"] },
    "fraud-bot": { description: "The daily fraud check's service identity", services: ["fraud-bot"] },
    // Held by nobody: taken by break-glass in an incident, with a reason, for at most 4 hours, and
    // reviewed afterwards by an admin (docs/governance.md).
    "incident-responder": {
      description: "Runs support-desk actions during an incident (break-glass only)",
      emergency: true,
    },
  },
  grants: [
    { to: "support", verbs: ["run"], on: { tag: "support" } },
    { to: "support", verbs: ["view"], on: { tag: "payments" } },
    { to: "support", verbs: ["view"], on: { tag: "accounts" } },
    { to: "support-manager", verbs: ["run", "approve", "audit"], on: { tag: "support" } },
    { to: "support-manager", verbs: ["run", "approve", "audit"], on: { tag: "payments" } },
    { to: "support-manager", verbs: ["reveal:card_number"], on: { tag: "support" } },
    { to: "risk-analyst", verbs: ["run", "approve", "audit"], on: { tag: "risk" } },
    { to: "risk-analyst", verbs: ["view"], on: { tag: "support" } },
    { to: "ops", verbs: ["run"], on: { tag: "payments" } },
    { to: "ops", verbs: ["run", "approve"], on: { tag: "treasury" } },
    { to: "ops", verbs: ["run", "approve"], on: { tag: "accounts" } },
    { to: "ops", verbs: ["view"], on: { tag: "support" } },
    { to: "compliance", verbs: ["run", "approve"], on: { tag: "privacy" } },
    { to: "compliance", verbs: ["approve"], on: { tag: "access" } },
    { to: "compliance", verbs: ["audit"], on: "*" },
    { to: "compliance", verbs: ["reveal:*"], on: { tag: "privacy" } },
    // A plan's fee: ops run it (directly, or through pricing_change) and a second ops member
    // approves it either way (set_plan_fee's policy; the runbook's gate).
    { to: "ops", verbs: ["run", "approve"], on: { tag: "pricing" } },
    // Onboarding makes co-administrators admins; each still needs a compliance officer's approval.
    { to: "ops", verbs: ["run"], on: { action: "make_admin" } },
    // Runbooks are granted by their tags like actions (onboard_account: accounts); compliance
    // follows the onboardings it checks.
    { to: "compliance", verbs: ["view"], on: { runbook: "onboard_account" } },
    // The gate's reviewers: a second ops member approves a price change (never its proposer).
    { to: "ops", verbs: ["approve"], on: { runbook: "pricing_change" } },
    { to: "incident-responder", verbs: ["run"], on: { tag: "support" } },
    { to: "admin", verbs: ["admin"], on: "*" },
    { to: "admin", verbs: ["run"], on: { tag: "access" } },
    // The pickers behind account and customer fields: whoever fills in such a field may search.
    ...["support", "support-manager", "risk-analyst", "ops", "compliance", "admin"].map((to) => ({
      to,
      verbs: ["run" as const],
      on: { tag: "lookup" },
    })),
    // The bot flags and starts reviews; a risk analyst decides each review in the inbox.
    { to: "fraud-bot", verbs: ["view", "run"], on: { action: "flag_suspicious_transactions" } },
    { to: "fraud-bot", verbs: ["view", "run"], on: { runbook: "fraud_review" } },
    { to: "fraud-bot", verbs: ["view", "run"], on: { action: "list_flagged_transactions" } },
    { to: "fraud-bot", verbs: ["view", "run"], on: { action: "clear_fraud_flag" } },
    { to: "fraud-bot", verbs: ["view", "run"], on: { action: "confirm_fraud" } },
  ],
  // The demo fintech's domain schema (`demo`), applied after Airlock's own migrations.
  migrations: new URL("./migrations/", import.meta.url).pathname,
  demo: {
    users: DEMO_USERS,
    seed: seedDemo,
    reset: resetDemo,
    services: startDemoServices,
    history: demoHistory,
  },
});
