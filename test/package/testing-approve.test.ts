// `airlock/testing`'s `approve`, from source: a run held for approval is approved by a second
// person and executes; the requester cannot approve their own run (refused, as in every channel).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestWorkspace, type TestWorkspace } from "../../src/testing/index.ts";
import { testServerUrl } from "../support/test-database.ts";

const workspace = defineWorkspace({
  name: "refunds",
  actions: [
    defineAction({
      name: "issue_refund",
      title: "Issue a refund",
      params: z.object({ amountCents: z.number().int().positive() }),
      approval: { when: (p) => p.amountCents > 10_000, reviewers: { groups: ["support-leads"] } },
      handler: async (p) => ({ refundedCents: p.amountCents }),
    }),
  ],
  roles: {
    support: { groups: ["support"] },
    leads: { groups: ["support-leads"] },
  },
  grants: [
    { to: "support", verbs: ["view", "run"], on: "*" },
    { to: "leads", verbs: ["view", "approve"], on: "*" },
  ],
});

let airlock: TestWorkspace;
before(async () => {
  airlock = await startTestWorkspace(workspace, {
    env: { ...process.env, AIRLOCK_TEST_DATABASE_URL: testServerUrl() },
  });
});
after(() => airlock?.close());

test("a second person approves a held run with approve(), and it executes", async () => {
  const agent = await airlock.principal({ groups: ["support"] });
  const held = await airlock.testAction("issue_refund", { amountCents: 25_000 }, { as: agent });
  assert.equal(held.status, "pending_approval");

  const own = await airlock.approve(held, { as: agent });
  assert.equal(own.status, "refused");
  assert.equal(own.refusal?.code, "approval.self_approval");

  const approved = await airlock.approve(held, { as: { groups: ["support-leads"] }, reason: "checked" });
  assert.equal(approved.status, "succeeded", JSON.stringify(approved));
  assert.equal(approved.run?.id, held.run?.id);
  assert.deepEqual(approved.run?.result, { refundedCents: 25_000 });
  const types = approved.audit.map((event) => event.type);
  assert.ok(types.includes("approval.approved"), types.join());
  assert.ok(types.includes("run.succeeded"), types.join());
});
