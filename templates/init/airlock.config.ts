// Your Airlock workspace: the actions your team may run, who may run them, and which runs need a
// second person. `npx airlock check` checks it; `npx airlock dev` serves it.
import { defineAction, defineWorkspace, z } from "airlock";

export const issueRefund = defineAction({
  name: "issue_refund",
  title: "Issue a refund",
  description: "Refund part of a customer's payment.",
  tags: ["billing"],
  risk: "high",
  params: z.object({
    paymentId: z.string().min(3).meta({ label: "Payment" }),
    amountCents: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .meta({ label: "Amount", widget: "money", currency: "USD" }),
    customerEmail: z.email().meta({ label: "Customer email", pii: "email" }),
    memo: z.string().min(10).meta({ label: "Memo for the customer record" }),
  }),
  target: (p) => ({ type: "payment", id: p.paymentId }),
  // Refunds above $100 wait for a second member of the support group (never the requester).
  approval: {
    name: "large-refunds",
    when: (p) => p.amountCents > 100_00,
    reviewers: { groups: ["support"] },
    quorum: 1,
    mode: "enforce",
  },
  async handler(p, ctx) {
    // Call your payment provider here, e.g. ctx.fetch(url, { headers: { "Idempotency-Key": ctx.idempotencyKey } }),
    // so a retried run refunds once.
    ctx.snapshot.before({ refundedCents: 0 });
    ctx.log.info({ paymentId: p.paymentId, amountCents: p.amountCents }, "refund issued");
    ctx.snapshot.after({ refundedCents: p.amountCents });
    return { paymentId: p.paymentId, refundedCents: p.amountCents, reference: ctx.idempotencyKey };
  },
});

export default defineWorkspace({
  name: "my-workspace",
  actions: [issueRefund],
  roles: {
    support: { description: "Support desk", groups: ["support"] },
  },
  grants: [{ to: "support", verbs: ["view", "run", "approve"], on: { tag: "billing" } }],
  // Sign-ins for `airlock dev` and `airlock start` only (password: demo); never in production.
  demo: {
    users: [
      { email: "dev@example.com", name: "Dev", groups: ["support"] },
      { email: "reviewer@example.com", name: "Reviewer", groups: ["support"] },
    ],
  },
});
