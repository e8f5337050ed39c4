// The demo's risk, privacy and account-administration actions (fraud flags, GDPR export and
// erasure, email, admins, trials, flags, plans, onboarding). One action per file in this folder.
//
//   tag       action                      risk      approval
//   risk      list_flagged_transactions   low       -
//   risk      clear_fraud_flag            medium    -
//   risk      confirm_fraud               high      risk analyst when freezing the account (enforce);
//                                                   every confirmation (monitor)
//   privacy   export_customer_data        high      - (reason required; output masked)
//   privacy   erase_customer              critical  compliance, always (enforce; reason required)
//   support   change_customer_email       medium    support manager for an uncommon domain (monitor)
//   access    make_admin                  high      compliance, always (enforce)
//   accounts  extend_trial                low       ops above 30 days (monitor)
//   accounts  list_feature_flags          low       - (lookup for toggle_feature_flag)
//   accounts  toggle_feature_flag         medium    -
//   accounts  set_account_plan            medium    -
//   accounts  create_account              medium    - (idempotent: id derived from the key)
//   accounts  import_transaction_history  low       - (idempotent: source ids are unique)
//   pricing   set_plan_fee                high      a second ops member (or the pricing_change runbook's gate)
import type { AnyAction } from "../../../src/sdk/index.ts";
import { changeCustomerEmail } from "./change-customer-email.ts";
import { clearFraudFlag } from "./clear-fraud-flag.ts";
import { confirmFraud } from "./confirm-fraud.ts";
import { createAccount } from "./create-account.ts";
import { eraseCustomer } from "./erase-customer.ts";
import { exportCustomerData } from "./export-customer-data.ts";
import { extendTrial } from "./extend-trial.ts";
import { importTransactionHistory } from "./import-transaction-history.ts";
import { listFeatureFlags } from "./list-feature-flags.ts";
import { listFlaggedTransactions } from "./list-flagged-transactions.ts";
import { makeAdmin } from "./make-admin.ts";
import { setAccountPlan } from "./set-account-plan.ts";
import { setPlanFee } from "./set-plan-fee.ts";
import { toggleFeatureFlag } from "./toggle-feature-flag.ts";

export const customerActions: AnyAction[] = [
  listFlaggedTransactions,
  clearFraudFlag,
  confirmFraud,
  exportCustomerData,
  eraseCustomer,
  changeCustomerEmail,
  makeAdmin,
  extendTrial,
  listFeatureFlags,
  toggleFeatureFlag,
  setAccountPlan,
  createAccount,
  importTransactionHistory,
  setPlanFee,
];
