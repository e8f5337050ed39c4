// provider_payment_status: an HTTP action — the payments provider's own view of a payment (what it
// has refunded), for checking after a refund whose outcome was unknown. The receipt email the
// provider returns is masked.
import { defineHttpAction, z } from "../../../src/sdk/index.ts";
import { paymentIdField } from "./money-helpers.ts";

export const providerPaymentStatus = defineHttpAction({
  name: "provider_payment_status",
  title: "Payment at the provider",
  description: "What the payments provider has recorded for a payment: refunds made there, in minor units.",
  tags: ["payments"],
  risk: "low",
  resource: "payments",
  method: "GET",
  path: "/v1/payments/{paymentId}",
  params: z.object({ paymentId: paymentIdField() }),
  target: (p) => ({ type: "payment", id: p.paymentId }),
  result: z.object({
    id: z.string(),
    refundedCents: z.number().int(),
    refunds: z.array(z.object({ id: z.string(), amountCents: z.number().int(), currency: z.string() })),
    receiptEmail: z.string().meta({ pii: "email" }),
  }),
  map: (response) => {
    const r = response as {
      id: string;
      refunded: number;
      refunds: { id: string; amount: number; currency: string }[];
      receipt_email: string;
    };
    return {
      id: r.id,
      refundedCents: r.refunded,
      refunds: r.refunds.map((x) => ({ id: x.id, amountCents: x.amount, currency: x.currency })),
      receiptEmail: r.receipt_email,
    };
  },
});
