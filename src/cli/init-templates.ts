// The files `airlock init` writes: a workspace with one action, one approval policy and one role,
// and a test of that action through the testing helper. Kept here as text so `init` needs nothing
// but the package itself.

export const CONFIG_TEMPLATE = `// Your Airlock workspace: the actions your team may run, who may run them, and which runs need a
// second person. \`npx airlock check\` checks it; \`npx airlock dev\` serves it.
import { defineAction, defineWorkspace, z } from "airlock";

export const issueRefund = defineAction({
  name: "issue_refund",
  title: "Issue a refund",
  description: "Refund part of a customer's payment.",
  tags: ["billing"],
  risk: "high",
  params: z.object({
    paymentId: z.string().min(3).meta({ label: "Payment" }),
    amountCents: z.number().int().positive().max(1_000_000).meta({ label: "Amount", widget: "money", currency: "USD" }),
    customerEmail: z.email().meta({ label: "Customer email", pii: "email" }),
    reason: z.string().min(10).meta({ label: "Reason for the customer record" }),
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
  // Sign-ins for \`airlock dev\` and \`airlock start\` only (password: demo); never in production.
  demo: {
    users: [
      { email: "dev@example.com", name: "Dev", groups: ["support"] },
      { email: "reviewer@example.com", name: "Reviewer", groups: ["support"] },
    ],
  },
});
`;

export const TEST_TEMPLATE = `// Runs the workspace's actions through Airlock's real control layer (permissions, validation,
// approval policies, idempotency, audit) against a real PostgreSQL database of this file's own:
// an embedded one, or a database on the server at AIRLOCK_TEST_DATABASE_URL (faster in CI).
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startTestWorkspace } from "airlock/testing";
import workspace from "../airlock.config.ts";

const airlock = await startTestWorkspace(workspace);
after(() => airlock.close());

const refund = {
  paymentId: "pay_123",
  amountCents: 2500,
  customerEmail: "jo@example.com",
  reason: "Duplicate charge on the invoice",
};

test("support refunds $25 at once, with an audit trail", async () => {
  const { status, run, audit, snapshots } = await airlock.testAction("issue_refund", refund, {
    as: { groups: ["support"] },
  });
  assert.equal(status, "succeeded");
  assert.deepEqual(run?.target, { type: "payment", id: "pay_123" });
  assert.equal((run?.result as { refundedCents: number }).refundedCents, 2500);
  assert.deepEqual(snapshots, { before: { refundedCents: 0 }, after: { refundedCents: 2500 } });
  assert.ok(audit.some((event) => event.type === "run.succeeded"));
});

test("a $250 refund waits for a second person", async () => {
  const { status } = await airlock.testAction("issue_refund", { ...refund, amountCents: 25_000 }, {
    as: { groups: ["support"] },
  });
  assert.equal(status, "pending_approval");
});

test("someone outside support may not refund", async () => {
  const { status, refusal } = await airlock.testAction("issue_refund", refund, { as: { groups: [] } });
  assert.equal(status, "refused");
  assert.equal(refusal?.code, "permission.denied");
});
`;

export const GITIGNORE_LINES = ["node_modules/", ".airlock/"];

export const SCRIPTS: Record<string, string> = {
  dev: "airlock dev",
  check: "airlock check",
  start: "airlock start",
  test: 'node --test "test/**/*.test.ts"',
};
