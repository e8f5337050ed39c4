// payment_confirmation: what a customer's receipt says about a payment: confirmation code, amount,
// merchant, status, the card it was paid with and who paid. The full card number comes from the
// card vault through demo.reveal_card_number (one card, with the requester and a reason, logged in
// card_vault_reads); the result classifies it as `card_number`, so Airlock shows BIN and last four
// everywhere and only a role with reveal:card_number (support managers) sees the whole number, with
// a reason, through POST /api/v1/runs/:id/reveal. The customer's name and email are classified too.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { actorLabel, cents, loadPayment, reasonField } from "./money-helpers.ts";

const NO_NUMBER_IN_VAULT = "P0002"; // no_data_found, raised by demo.reveal_card_number

export const paymentConfirmation = defineAction({
  name: "payment_confirmation",
  title: "Payment confirmation",
  description:
    "Looks up a payment by id or confirmation code: amount, merchant, status, refunds, the card used " +
    "and the customer. The card number is shown masked (BIN and last four); support managers may " +
    "reveal it, with a reason. Reading it from the card vault is logged with your reason.",
  tags: ["support"],
  risk: "low",
  params: z
    .object({
      paymentId: z
        .string()
        .trim()
        .regex(/^pay_[a-z0-9_]+$/, "A payment id looks like pay_…")
        .optional()
        .meta({
          label: "Payment",
          help: "The payment's id, e.g. pay_demo_1 (or give the confirmation code).",
          placeholder: "pay_…",
        }),
      confirmationCode: z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^CNF-[A-Z0-9]{4}-[A-Z0-9]{4}$/, "A confirmation code looks like CNF-XXXX-XXXX")
        .optional()
        .meta({
          label: "Confirmation code",
          help: "From the customer's receipt, e.g. CNF-DEMO-0001.",
          placeholder: "CNF-…",
        }),
      reason: reasonField(
        "Reason",
        "Why you look this payment up; logged with the card vault read, e.g. Customer asks about a charge, ticket 4711.",
      ),
    })
    .refine((p) => (p.paymentId === undefined) !== (p.confirmationCode === undefined), {
      path: ["paymentId"],
      message: "Give either the payment id or the confirmation code.",
    }),
  output: z.object({
    paymentId: z.string(),
    confirmationCode: z.string(),
    status: z.string(),
    statusReason: z.string().nullable(),
    createdAt: z.string(),
    merchant: z.string(),
    description: z.string().nullable(),
    currency: z.string(),
    amountCents: z.number().int(),
    refundedCents: z.number().int(),
    accountId: z.string(),
    cardId: z.string(),
    cardBrand: z.string(),
    cardLast4: z.string(),
    cardExpires: z.string(),
    cardStatus: z.string(),
    cardNumber: z.string().nullable().meta({ pii: "card_number" }),
    customerId: z.string(),
    customerName: z.string().nullable().meta({ pii: "name" }),
    customerEmail: z.string().nullable().meta({ pii: "email" }),
  }),
  target: (p) =>
    p.paymentId
      ? { type: "payment", id: p.paymentId }
      : { type: "confirmation", id: p.confirmationCode ?? "" },
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  async handler(p, ctx) {
    const payment = await loadPayment(
      ctx.db,
      p.paymentId ? { id: p.paymentId } : { confirmationCode: p.confirmationCode ?? "" },
    );
    const found = await ctx.db.query(
      `SELECT c.brand, c.last4, c.exp_month, c.exp_year, c.status, a.customer_id, cu.name, cu.email, cu.erased_at
         FROM demo.cards c
         JOIN demo.accounts a ON a.id = c.account_id
         JOIN demo.customers cu ON cu.id = a.customer_id
        WHERE c.id = $1`,
      [payment.cardId],
    );
    const card = found.rows[0];
    if (!card) throw new ActionError("card_not_found", `The card of payment ${payment.id} is missing.`);

    // An erased customer's card numbers were shredded from the vault: nothing to read.
    let cardNumber: string | null = null;
    if (card.erased_at === null) {
      await ctx.db.query("SAVEPOINT card_reveal");
      try {
        const revealed = await ctx.db.query<{ number: string }>(
          "SELECT demo.reveal_card_number($1, $2, $3) AS number",
          [payment.cardId, actorLabel(ctx.actor), p.reason],
        );
        cardNumber = revealed.rows[0]!.number;
        await ctx.db.query("RELEASE SAVEPOINT card_reveal");
      } catch (error) {
        if ((error as { code?: string }).code !== NO_NUMBER_IN_VAULT) throw error;
        await ctx.db.query("ROLLBACK TO SAVEPOINT card_reveal");
      }
    }
    return {
      paymentId: payment.id,
      confirmationCode: payment.confirmationCode,
      status: payment.status,
      statusReason: payment.statusReason,
      createdAt: payment.createdAt,
      merchant: payment.merchantName,
      description: payment.description,
      currency: payment.currency,
      amountCents: payment.amountCents,
      refundedCents: payment.refundedCents,
      accountId: payment.accountId,
      cardId: payment.cardId,
      cardBrand: card.brand as string,
      cardLast4: card.last4 as string,
      cardExpires: `${String(card.exp_month).padStart(2, "0")}/${cents(card.exp_year)}`,
      cardStatus: card.status as string,
      cardNumber,
      customerId: card.customer_id as string,
      customerName: card.name as string | null,
      customerEmail: card.email as string | null,
    };
  },
});
