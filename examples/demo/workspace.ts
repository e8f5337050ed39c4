// The demo workspace: a small fintech (see README.md in this folder). Separation of duties in one
// place: who runs what, who approves what, who reads the trail and who may reveal which PII.
//
// Actions carry tags; grants are given on tags so a new action lands with the right people by
// choosing its tags:
//   support   support desk: credits, lookups, payment confirmations, customer email, trials
//   payments  merchant payments and bills: refunds, overrides, delinquencies
//   treasury  moving money between accounts
//   risk      fraud review
//   privacy   GDPR/CCPA: export and erasure
//   accounts  account setup: plans, feature flags, new accounts
//   access    customer-side administrator rights
import { defineWorkspace } from "../../src/sdk/index.ts";
import { customerActions } from "./actions/customer-actions.ts";
import { moneyActions } from "./actions/money-actions.ts";
import { DEMO_USERS } from "./demo-users.ts";
import { resetDemo, seedDemo } from "./seed.ts";

export default defineWorkspace({
  name: "demo",
  actions: [...moneyActions, ...customerActions],
  // The demo fintech's domain schema (`demo`), applied after Airlock's own migrations.
  migrations: new URL("./migrations/", import.meta.url).pathname,
  demo: { users: DEMO_USERS, seed: seedDemo, reset: resetDemo },
});
