// Payments to merchants (a few hundred), refunds against some of them (never more than the
// payment), and disputes, some still open (which blocks erasing their customer).
import { membersOf } from "../demo-users.ts";
import {
  DAY,
  type Dataset,
  type DisputeRow,
  iso,
  MINUTE,
  type PaymentRow,
  REFERENCE_TIME,
} from "./dataset.ts";
import { type GeneratedAccount, randomBetween } from "./generate-customers.ts";
import type { Ledger } from "./ledger.ts";
import { merchantId } from "./merchants.ts";
import type { Random } from "./random.ts";
import { MERCHANTS } from "./word-lists.ts";

export const PAYMENT_COUNT = 400;
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const SHOPS = MERCHANTS.filter((m) => m.weight > 0 && m.slug !== "atm_network").map(
  (m) => [m, m.weight] as const,
);

export function generatePayments(
  data: Dataset,
  ledger: Ledger,
  random: Random,
  population: GeneratedAccount[],
) {
  const payers = population.filter(
    (a) => a.row.status === "active" && Date.parse(a.row.created_at) < REFERENCE_TIME - 10 * DAY,
  );
  const codes = new Set(data.payments.map((p) => p.confirmation_code));
  const succeeded: { payment: PaymentRow; account: GeneratedAccount }[] = [];
  for (let n = 1; n <= PAYMENT_COUNT; n++) {
    const account = random.pick(payers);
    const merchant = random.weighted(SHOPS);
    const created = randomBetween(
      random,
      Math.max(Date.parse(account.row.created_at) + DAY, REFERENCE_TIME - 60 * DAY),
      REFERENCE_TIME - MINUTE,
    );
    let code: string;
    do code = `CNF-${random.chars(4, CODE_ALPHABET)}-${random.chars(4, CODE_ALPHABET)}`;
    while (codes.has(code));
    codes.add(code);
    const amount = Math.max(
      500,
      Math.round((merchant.min + (merchant.max - merchant.min) * random.next() ** 2) * 100),
    );
    const status = random.weighted<PaymentRow["status"]>([
      ["succeeded", 88],
      ["pending", 5],
      ["failed", 7],
    ]);
    const id = `pay_${String(n).padStart(5, "0")}_${random.chars(6)}`;
    const journal =
      status === "succeeded"
        ? ledger.move(
            { kind: "payment", reference: `seed:payment:${id}`, at: iso(created), memo: merchant.name },
            account.row,
            "sys_settlement",
            amount,
          )
        : null;
    const payment: PaymentRow = {
      id,
      account_id: account.row.id,
      card_id: random.pick(account.cards).id,
      merchant_id: merchantId(merchant),
      currency: account.row.currency,
      amount_cents: amount,
      status,
      status_reason:
        status === "failed"
          ? random.pick(["Card declined by issuer", "3-D Secure authentication failed", "Insufficient funds"])
          : null,
      confirmation_code: code,
      description: `${merchant.category} order`,
      journal_id: journal,
      created_at: iso(created),
      updated_at: iso(created),
    };
    data.payments.push(payment);
    if (status === "succeeded") succeeded.push({ payment, account });
  }
  refundsAndDisputes(data, ledger, random, succeeded);
}

function refundsAndDisputes(
  data: Dataset,
  ledger: Ledger,
  random: Random,
  succeeded: { payment: PaymentRow; account: GeneratedAccount }[],
) {
  const pool = [...succeeded];
  const take = () => pool.splice(random.int(0, pool.length - 1), 1)[0]!;
  const support = [...membersOf("support"), ...membersOf("support-managers")];
  let refundNumber = 0;
  const refund = (
    payment: PaymentRow,
    account: GeneratedAccount,
    amount: number,
    status: "succeeded" | "pending" | "failed",
  ) => {
    const id = `rfd_${String(++refundNumber).padStart(4, "0")}_${random.chars(6)}`;
    const at = Math.min(
      Date.parse(payment.created_at) + random.int(60, 14 * 24 * 60) * MINUTE,
      REFERENCE_TIME - MINUTE,
    );
    const journal =
      status === "succeeded"
        ? ledger.move(
            { kind: "refund", reference: `seed:refund:${id}`, at: iso(at), memo: `Refund of ${payment.id}` },
            "sys_refunds",
            account.row,
            amount,
          )
        : null;
    // The refunds trigger stamps the payment; the writer restores this (see write-dataset.ts).
    if (status !== "failed") payment.updated_at = iso(Math.max(Date.parse(payment.updated_at), at));
    data.refunds.push({
      id,
      payment_id: payment.id,
      currency: payment.currency,
      amount_cents: amount,
      status,
      reason: random.pick([
        "Item returned",
        "Order cancelled by merchant",
        "Duplicate charge",
        "Price adjustment",
      ]),
      reference: `seed:refund:${id}`,
      journal_id: journal,
      requested_by: random.pick(support),
      created_at: iso(at),
    });
  };
  for (let n = 0; n < 25; n++) {
    const { payment, account } = take();
    const full = random.chance(0.4);
    const amount = full
      ? payment.amount_cents
      : Math.max(100, Math.floor(payment.amount_cents * (0.1 + random.next() * 0.5)));
    refund(payment, account, amount, n < 2 ? "failed" : n < 5 ? "pending" : "succeeded");
    // A second partial refund on some: the two together still stay within the payment.
    if (!full && n % 4 === 0)
      refund(payment, account, Math.floor((payment.amount_cents - amount) / 2) || 1, "succeeded");
  }
  const reasons: DisputeRow["reason"][] = [
    "fraudulent",
    "duplicate",
    "product_not_received",
    "not_as_described",
    "unrecognized",
  ];
  for (let n = 0; n < 20; n++) {
    const { payment } = take();
    const opened = Math.min(Date.parse(payment.created_at) + random.int(1, 20) * DAY, REFERENCE_TIME - DAY);
    const open = n < 12;
    data.disputes.push({
      id: `dsp_${String(n + 1).padStart(4, "0")}_${random.chars(6)}`,
      payment_id: payment.id,
      reason: random.pick(reasons),
      amount_cents: payment.amount_cents,
      status: open ? "open" : "closed",
      outcome: open ? null : random.pick(["won", "lost", "withdrawn"] as const),
      opened_at: iso(opened),
      closed_at: open ? null : iso(randomBetween(random, opened + DAY, REFERENCE_TIME - MINUTE)),
    });
  }
}
