// Runs the workspace's actions through Airlock's real control layer (permissions, validation,
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
  memo: "Duplicate charge on the invoice",
};

test("support refunds $25 at once, with an audit trail", async () => {
  const { status, run, audit, snapshots } = await airlock.testAction("issue_refund", refund, {
    as: { groups: ["support"] },
  });
  assert.equal(status, "succeeded");
  assert.ok(run);
  assert.deepEqual(run.target, { type: "payment", id: "pay_123" });
  assert.equal((run.result as { refundedCents: number }).refundedCents, 2500);
  assert.deepEqual(snapshots, { before: { refundedCents: 0 }, after: { refundedCents: 2500 } });
  assert.ok(audit.some((event) => event.type === "run.succeeded"));
});

test("a $250 refund waits for a second person", async () => {
  const { status } = await airlock.testAction(
    "issue_refund",
    { ...refund, amountCents: 25_000 },
    {
      as: { groups: ["support"] },
    },
  );
  assert.equal(status, "pending_approval");
});

test("someone outside support may not refund (nor see that the action exists)", async () => {
  const { status, refusal } = await airlock.testAction("issue_refund", refund, { as: { groups: [] } });
  assert.equal(status, "refused");
  assert.equal(refusal?.code, "action.not_found");
});
