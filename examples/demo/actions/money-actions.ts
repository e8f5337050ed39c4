// The demo's money and support-desk actions (credits, refunds, transfers, bills, deposits,
// payment confirmations). One action per file in this folder; this list is what the workspace uses.
// Shared reading, posting and refusal helpers: money-helpers.ts.
import type { AnyAction } from "../../../src/sdk/index.ts";
import { chargeLateFee } from "./charge-late-fee.ts";
import { clearDelinquentPayment } from "./clear-delinquent-payment.ts";
import { depositStatus } from "./deposit-status.ts";
import { findLatePayments } from "./find-late-payments.ts";
import { issueCredit } from "./issue-credit.ts";
import { moveMoney } from "./move-money.ts";
import { overridePayment } from "./override-payment.ts";
import { paymentConfirmation } from "./payment-confirmation.ts";
import { refundMerchantPayment } from "./refund-merchant-payment.ts";

export const moneyActions: AnyAction[] = [
  // support: the support desk
  issueCredit,
  findLatePayments,
  depositStatus,
  paymentConfirmation,
  // payments: merchant payments and bills
  refundMerchantPayment,
  overridePayment,
  clearDelinquentPayment,
  chargeLateFee,
  // treasury
  moveMoney,
];
