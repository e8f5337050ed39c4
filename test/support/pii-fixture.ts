// Actions that handle PII in every place it can hide: parameters, results, snapshots, error
// messages, approval requests. Used by the reveal and canary tests.
import { ActionError, defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";

export const CANARY = {
  card: "4000056655665556",
  ssn: "900-12-3456",
  email: "canary.person@example.net",
};

const confirmation = z.object({
  code: z.string(),
  amountCents: z.number().int(),
  card: z.string().meta({ pii: "card_number" }),
  email: z.string().meta({ pii: "email" }),
  payments: z.array(z.object({ id: z.string(), card: z.string().meta({ pii: "card_number" }) })),
});

export const piiWorkspace = defineWorkspace({
  name: "pii_fixture",
  actions: [
    defineAction({
      name: "payment_confirmation",
      title: "Payment confirmation",
      tags: ["payments"],
      execution: "inline",
      params: z.object({ paymentId: z.string().min(3) }),
      output: confirmation,
      async handler(p, ctx) {
        ctx.snapshot.before({ paymentId: p.paymentId, card: CANARY.card, note: `paid by ${CANARY.email}` });
        ctx.log.info({ paymentId: p.paymentId }, "looking up payment");
        return {
          code: `CONF-${p.paymentId}`,
          amountCents: 1299,
          card: CANARY.card,
          email: CANARY.email,
          payments: [{ id: "p1", card: CANARY.card }],
          // Not in the output schema: stripped, never shown.
          internalNote: `ssn ${CANARY.ssn}`,
        } as z.infer<typeof confirmation>;
      },
    }),
    defineAction({
      name: "update_contact",
      title: "Update contact",
      tags: ["customers"],
      execution: "queued",
      params: z.object({
        customerId: z.string().min(3),
        email: z.string().email().meta({ pii: "email" }),
        ssn: z
          .string()
          .regex(/^\d{3}-\d{2}-\d{4}$/)
          .meta({ pii: "ssn" }),
      }),
      approval: { when: (p) => p.customerId.startsWith("vip"), reviewers: { groups: ["managers"] } },
      async handler(p, ctx) {
        ctx.snapshot.before({ email: "old@example.org", ssn: p.ssn });
        ctx.snapshot.after({ email: p.email, ssn: p.ssn });
        return { updated: true };
      },
    }),
    defineAction({
      name: "explode",
      title: "Fails with PII in the error",
      tags: ["customers"],
      params: z.object({ card: z.string().meta({ pii: "card_number" }), domain: z.boolean() }),
      async handler(p) {
        if (p.domain)
          throw new ActionError("card_declined", `Card ${p.card} was declined for ${CANARY.email}`);
        throw new Error(`database said: duplicate key (ssn)=(${CANARY.ssn}) card=${p.card}`);
      },
    }),
  ],
  roles: {
    support: { groups: ["support"] },
    fraud: { groups: ["fraud"] },
    manager: { groups: ["managers"] },
    auditor: { groups: ["auditors"] },
  },
  grants: [
    { to: "support", verbs: ["view", "run"], on: "*" },
    { to: "fraud", verbs: ["view", "run", "reveal:card_number"], on: { action: "payment_confirmation" } },
    { to: "manager", verbs: ["view", "approve"], on: "*" },
    { to: "auditor", verbs: ["view", "audit"], on: "*" },
  ],
});
