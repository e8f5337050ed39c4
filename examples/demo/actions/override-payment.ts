// override_payment: forces a merchant payment's status when the card network's answer was wrong,
// with the ledger kept right: forcing a payment to `succeeded` books it (the customer pays the
// merchant now), reversing a succeeded one posts the mirror image of its journal (the customer gets
// the money back), and failing a pending one moves nothing. Always approved by a support manager.
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
  type Payment,
  paymentIdField,
  postingRefusals,
  postJournal,
  reasonField,
  translatingConstraints,
} from "./money-helpers.ts";

type Status = Payment["status"];

/** The overrides that make sense, from each status. Anything else is refused. */
const ALLOWED: Record<Status, Status[]> = {
  pending: ["succeeded", "failed"],
  failed: ["succeeded"],
  succeeded: ["reversed"],
  reversed: [],
};

export const overridePayment = defineAction({
  name: "override_payment",
  title: "Override a payment's status",
  description:
    "Forces a merchant payment's status, with a reason: a pending or wrongly failed payment to " +
    "succeeded (the money is taken from the account now), a pending one to failed, or a succeeded " +
    "one to reversed (the money goes back to the account). Always approved by a support manager.",
  tags: ["payments"],
  risk: "high",
  params: z.object({
    paymentId: paymentIdField(),
    status: z.enum(["succeeded", "failed", "reversed"]).meta({
      label: "New status",
      help: "succeeded: from pending or failed (books the payment). failed: from pending. reversed: from succeeded (returns the money).",
      widget: "select",
    }),
    reason: reasonField(
      "Reason",
      "Why the status is forced (kept on the payment), e.g. Issuer confirmed the authorization, case 8812.",
    ),
  }),
  output: z.object({
    paymentId: z.string(),
    previousStatus: z.enum(["pending", "succeeded", "failed", "reversed"]),
    status: z.enum(["pending", "succeeded", "failed", "reversed"]),
    accountId: z.string(),
    currency: z.string(),
    amountCents: z.number().int(),
    /** The journal this override posted, if it moved money. */
    journalId: z.number().int().nullable(),
    balanceCents: z.number().int(),
  }),
  target: (p) => ({ type: "payment", id: p.paymentId }),
  approval: {
    description:
      "Every forced payment status is approved by a support manager; the requester may ask the one who knows the case.",
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
    // Ops forces a status after talking the case through with one manager: they may ask that
    // manager alone (only those picked are told, and only they may approve).
    requesterChoosesReviewers: true,
    expiresIn: "24h",
  },
  retry: "safe",
  timeout: "10s",
  describe: (target, { db }) => describePayment(db, target.id),
  async handler(p, ctx) {
    const payment = await loadPayment(ctx.db, { id: p.paymentId }, { lock: true });
    const money = (amount: number) => formatCents(amount, payment.currency);
    if (payment.status === p.status) {
      throw new ActionError("status_unchanged", `Payment ${payment.id} is already ${payment.status}.`);
    }
    if (!ALLOWED[payment.status].includes(p.status)) {
      const allowed = ALLOWED[payment.status];
      throw new ActionError(
        "transition_not_allowed",
        `Payment ${payment.id} is ${payment.status}: it cannot be forced to ${p.status}` +
          (allowed.length > 0 ? ` (only to ${allowed.join(" or ")}).` : " (a reversed payment is final)."),
        { from: payment.status, to: p.status },
      );
    }
    const account = await loadAccount(ctx.db, payment.accountId, { lock: true });
    ctx.snapshot.before({
      paymentId: payment.id,
      status: payment.status,
      statusReason: payment.statusReason,
      journalId: payment.journalId,
      accountBalanceCents: account.balanceCents,
    });

    const reference = domainReference(ctx.idempotencyKey);
    const postedBy = actorLabel(ctx.actor);
    let posted: number | null = null;
    if (p.status === "succeeded") {
      if (payment.journalId !== null) {
        throw new ActionError(
          "payment_already_booked",
          `Payment ${payment.id} already has a ledger journal (${payment.journalId}); it cannot be booked twice.`,
        );
      }
      if (account.status !== "active") {
        throw new ActionError(
          "account_not_postable",
          `The payment's account ${account.id} is ${account.status}: the payment cannot be taken from it.`,
          { accountId: account.id, status: account.status },
        );
      }
      if (payment.amountCents > account.balanceCents + account.overdraftLimitCents) {
        throw new ActionError(
          "insufficient_funds",
          `Account ${account.id} has ${money(account.balanceCents)}: it cannot pay ${money(payment.amountCents)} now.`,
          { availableCents: account.balanceCents + account.overdraftLimitCents },
        );
      }
      posted = await translatingConstraints(
        () =>
          postJournal(ctx.db, {
            reference,
            kind: "payment",
            memo: `${payment.merchantName} (${payment.id}, forced to succeeded)`,
            postedBy,
            entries: [
              { accountId: account.id, currency: payment.currency, amountCents: -payment.amountCents },
              {
                systemAccountId: "sys_settlement",
                currency: payment.currency,
                amountCents: payment.amountCents,
              },
            ],
          }),
        postingRefusals(payment.currency),
      );
    } else if (p.status === "reversed") {
      if (payment.refundedCents > 0) {
        throw new ActionError(
          "payment_refunded",
          `Payment ${payment.id} has ${money(payment.refundedCents)} refunded: refund the rest instead of reversing it.`,
          { refundedCents: payment.refundedCents },
        );
      }
      if (payment.openDisputeId) {
        throw new ActionError(
          "payment_disputed",
          `Payment ${payment.id} has an open dispute (${payment.openDisputeId}): the chargeback decides.`,
          { disputeId: payment.openDisputeId },
        );
      }
      if (account.status === "closed") {
        throw new ActionError(
          "account_closed",
          `The payment's account ${account.id} is closed: it takes no postings.`,
          {
            accountId: account.id,
          },
        );
      }
      // The mirror image of the payment's journal, pointing back at it (once: reverses_journal_id
      // is unique). Written by hand because post_journal cannot set reverses_journal_id; the
      // entries still arrive in one statement, as the ledger requires.
      posted = await translatingConstraints(
        async () => {
          const journal = await ctx.db.query(
            `INSERT INTO demo.journals (reference, kind, memo, posted_by, reverses_journal_id)
             VALUES ($1, 'payment', $2, $3, $4) RETURNING id`,
            [reference, `Reversal of ${payment.id} (${payment.merchantName})`, postedBy, payment.journalId],
          );
          const id = cents(journal.rows[0]!.id);
          await ctx.db.query(
            `INSERT INTO demo.ledger_entries (journal_id, account_id, system_account_id, currency, amount_cents)
             SELECT $1, account_id, system_account_id, currency, -amount_cents
               FROM demo.ledger_entries WHERE journal_id = $2 ORDER BY id`,
            [id, payment.journalId],
          );
          return id;
        },
        {
          ...postingRefusals(payment.currency),
          journals_reverses_journal_id_key: () =>
            new ActionError("already_reversed", `The journal of payment ${payment.id} was already reversed.`),
        },
      );
    }

    await ctx.db.query(
      `UPDATE demo.payments SET status = $2, status_reason = $3, updated_at = now(),
              journal_id = coalesce($4, journal_id)
        WHERE id = $1`,
      [payment.id, p.status, p.reason, p.status === "succeeded" ? posted : null],
    );
    const balanceCents = await balanceOf(ctx.db, account.id);
    const journalId = p.status === "succeeded" ? posted : payment.journalId;
    ctx.snapshot.after({
      paymentId: payment.id,
      status: p.status,
      statusReason: p.reason,
      journalId,
      accountBalanceCents: balanceCents,
    });
    return {
      paymentId: payment.id,
      previousStatus: payment.status,
      status: p.status,
      accountId: account.id,
      currency: payment.currency,
      amountCents: payment.amountCents,
      journalId: posted,
      balanceCents,
    };
  },
});
