// refund_merchant_payment: refunds (part of) a succeeded merchant payment to the customer's
// account. Idempotent twice over: the refund's `reference` and the ledger journal's are the run's
// idempotency key, so a retried run finds its refund instead of issuing a second one. The database
// guarantees the refunds never exceed the payment, even under concurrent refunds. Over $500 a
// support manager approves. The money goes back through the payments provider (the `payments`
// resource): the call carries the run's idempotency key, so a retry after an unknown outcome (a
// timeout) gets the provider's stored answer instead of a second refund; a provider outage fails
// the run with downstream.unavailable and rolls the ledger side back.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import {
  actorLabel,
  balanceOf,
  cents,
  describePayment,
  domainReference,
  formatCents,
  loadAccount,
  loadPayment,
  moneyField,
  paymentIdField,
  postingRefusals,
  postJournal,
  reasonField,
  translatingConstraints,
} from "./money-helpers.ts";

/** Refunds above this (minor units: $500.00) need a support manager's approval. */
export const REFUND_APPROVAL_ABOVE_CENTS = 50_000;

const output = z.object({
  refundId: z.string(),
  paymentId: z.string(),
  accountId: z.string(),
  currency: z.string(),
  amountCents: z.number().int(),
  refundedCents: z.number().int(),
  remainingCents: z.number().int(),
  journalId: z.number().int(),
  balanceCents: z.number().int(),
  /** The provider's refund (null for refunds made before the provider was called). */
  providerRefundId: z.string().nullable(),
});

export const refundMerchantPayment = defineAction({
  name: "refund_merchant_payment",
  title: "Refund a merchant payment",
  description:
    "Refunds all or part of a succeeded card payment to the customer's account. Never more than " +
    "what is left to refund; not while a dispute is open. Refunds over $500 wait for a support manager.",
  tags: ["payments"],
  risk: "high",
  params: z.object({
    paymentId: paymentIdField(),
    amountCents: moneyField(
      "Amount to refund",
      "In the payment's currency; at most what is left to refund. Over $500.00 a support manager must approve.",
      10_000_000,
    ),
    reason: reasonField(
      "Reason",
      "Why the money goes back (kept on the refund), e.g. Item returned, ticket 4711.",
    ),
  }),
  output,
  target: (p) => ({ type: "payment", id: p.paymentId }),
  approval: {
    description: "Refunds over $500 are approved by a support manager.",
    when: (p) =>
      p.amountCents > REFUND_APPROVAL_ABOVE_CENTS
        ? `A refund of ${(p.amountCents / 100).toFixed(2)} is over the 500.00 limit.`
        : false,
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
    expiresIn: "24h",
  },
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  describe: (target, { db }) => describePayment(db, target.id),
  async handler(p, ctx) {
    const reference = domainReference(ctx.idempotencyKey);
    // Domain idempotency: this request's refund, if it was already made, is the answer.
    const existing = await ctx.db.query(
      `SELECT r.id, r.payment_id, r.amount_cents, r.journal_id, r.provider_refund_id, p.account_id, p.currency, p.amount_cents AS paid,
              p.refunded_cents
         FROM demo.refunds r JOIN demo.payments p ON p.id = r.payment_id WHERE r.reference = $1`,
      [reference],
    );
    const done = existing.rows[0];
    if (done) {
      if (done.payment_id !== p.paymentId || cents(done.amount_cents) !== p.amountCents) {
        throw new ActionError(
          "reference_reused",
          "This idempotency key already refunded another payment or amount; use a new key.",
        );
      }
      return {
        refundId: done.id as string,
        paymentId: done.payment_id as string,
        accountId: done.account_id as string,
        currency: done.currency as string,
        amountCents: cents(done.amount_cents),
        refundedCents: cents(done.refunded_cents),
        remainingCents: cents(done.paid) - cents(done.refunded_cents),
        journalId: cents(done.journal_id),
        balanceCents: await balanceOf(ctx.db, done.account_id as string),
        providerRefundId: (done.provider_refund_id as string | null) ?? null,
      };
    }

    // Locked: concurrent refunds of one payment queue here (the database would refuse an
    // overshoot anyway, but then with a less helpful message).
    const payment = await loadPayment(ctx.db, { id: p.paymentId }, { lock: true });
    const money = (amount: number) => formatCents(amount, payment.currency);
    if (payment.status !== "succeeded") {
      throw new ActionError(
        "payment_not_refundable",
        `Payment ${payment.id} is ${payment.status}: only a succeeded payment can be refunded.`,
        { status: payment.status },
      );
    }
    if (payment.openDisputeId) {
      throw new ActionError(
        "payment_disputed",
        `Payment ${payment.id} has an open dispute (${payment.openDisputeId}): the chargeback decides; do not refund it as well.`,
        { disputeId: payment.openDisputeId },
      );
    }
    const remaining = payment.amountCents - payment.refundedCents;
    if (p.amountCents > remaining) {
      throw new ActionError(
        "refund_exceeds_remaining",
        remaining === 0
          ? `Payment ${payment.id} is already fully refunded (${money(payment.amountCents)}).`
          : `Only ${money(remaining)} of payment ${payment.id} is left to refund (${money(payment.amountCents)} paid, ${money(payment.refundedCents)} refunded).`,
        { remainingCents: remaining },
      );
    }
    const account = await loadAccount(ctx.db, payment.accountId);
    if (account.status === "closed") {
      throw new ActionError(
        "account_closed",
        `The payment's account ${account.id} is closed: the refund cannot be paid into it.`,
        { accountId: account.id },
      );
    }
    ctx.snapshot.before({
      paymentId: payment.id,
      refundedCents: payment.refundedCents,
      remainingCents: remaining,
      accountBalanceCents: account.balanceCents,
    });

    // The provider first: if it refuses or is down, nothing is posted (the run's savepoint rolls
    // back). Its body is built from the parameters only, so a retry sends the very same request.
    const providerRefund = await ctx.resources.payments!.request({
      method: "POST",
      path: "/v1/refunds",
      json: { payment: payment.id, amount: p.amountCents, currency: payment.currency },
    });
    const providerRefundId = providerRefund.json<{ id: string }>().id;

    const refundId = `rfd_${ctx.runId.replace(/^run_/, "").toLowerCase()}`;
    const journalId = await translatingConstraints(
      async () => {
        const journal = await postJournal(ctx.db, {
          reference,
          kind: "refund",
          memo: `Refund of ${payment.id} (${payment.merchantName})`,
          postedBy: actorLabel(ctx.actor),
          entries: [
            { systemAccountId: "sys_refunds", currency: payment.currency, amountCents: -p.amountCents },
            { accountId: account.id, currency: payment.currency, amountCents: p.amountCents },
          ],
        });
        await ctx.db.query(
          `INSERT INTO demo.refunds (id, payment_id, currency, amount_cents, status, reason, reference, journal_id, requested_by, provider_refund_id)
           VALUES ($1, $2, $3, $4, 'succeeded', $5, $6, $7, $8, $9)`,
          [
            refundId,
            payment.id,
            payment.currency,
            p.amountCents,
            p.reason,
            reference,
            journal,
            actorLabel(ctx.actor),
            providerRefundId,
          ],
        );
        return journal;
      },
      {
        ...postingRefusals(payment.currency),
        payments_refunds_within_amount: () =>
          new ActionError(
            "refund_exceeds_remaining",
            `The refunds of payment ${payment.id} would exceed its ${money(payment.amountCents)}; nothing was refunded.`,
          ),
        refunds_payment_succeeded: () =>
          new ActionError(
            "payment_not_refundable",
            `Payment ${payment.id} is no longer succeeded; nothing was refunded.`,
          ),
        refunds_reference_key: () =>
          new ActionError("already_posted", "This request was already refunded (same idempotency key)."),
      },
    );

    const after = await loadPayment(ctx.db, { id: payment.id });
    const balanceCents = await balanceOf(ctx.db, account.id);
    ctx.snapshot.after({
      paymentId: payment.id,
      refundedCents: after.refundedCents,
      remainingCents: after.amountCents - after.refundedCents,
      accountBalanceCents: balanceCents,
    });
    return {
      refundId,
      paymentId: payment.id,
      accountId: account.id,
      currency: payment.currency,
      amountCents: p.amountCents,
      refundedCents: after.refundedCents,
      remainingCents: after.amountCents - after.refundedCents,
      journalId,
      balanceCents,
      providerRefundId,
    };
  },
});
