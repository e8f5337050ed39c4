// An approval request gates a subject of any kind, and the approval rules hold for every kind.
// Proven with a kind that exists only in this test ("test.batch", registered on this instance
// alone): request → self-approval refused → quorum of distinct humans → approved → its onApproved
// runs once however many approvals race, and the re-check at execution binds to its payload.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { approve, type DecisionInput } from "../../src/approval/approval-decision.ts";
import type { ApprovalSubjectKind } from "../../src/approval/approval-subject.ts";
import { recheckSubjectApproval, requestSubjectApproval } from "../../src/approval/subject-approval.ts";
import { loadPrincipal } from "../../src/identity/load-principal.ts";
import type { Principal } from "../../src/identity/principal.ts";
import type { TestAirlock } from "../support/test-airlock.ts";
import type { TestUser } from "../support/users.ts";
import { audit, type Cast, decide, startApprovalAirlock } from "./approval-support.ts";

let t: TestAirlock;
let cast: Cast;

// The test kind's subjects: batches held in memory, with the payload their approval binds to.
const batches = new Map<string, { items: string[]; onBehalfOf: string | null }>();
const approvedCalls: string[] = [];
const hashOf = (items: string[]) => createHash("sha256").update(JSON.stringify(items)).digest("hex");

const testBatch: ApprovalSubjectKind = {
  kind: "test.batch",
  async load(_db, request) {
    const batch = batches.get(request.subject_id);
    return batch ? { onBehalfOf: batch.onBehalfOf, run: null } : null;
  },
  async payloadHash(_db, request) {
    const batch = batches.get(request.subject_id);
    return batch ? hashOf(batch.items) : null;
  },
  async onApproved(db, change) {
    approvedCalls.push(change.request.subject_id);
    // Inside the deciding transaction: this row exists if and only if the approval committed.
    await db.query(
      "INSERT INTO fixture.effects (run_id, account, amount, reference) VALUES ($1, 'batch', 1, $1)",
      [change.request.subject_id],
    );
    return () => {};
  },
  async onRejected() {},
  async onCancelled() {},
  async onExpired() {},
};

before(async () => {
  ({ t, cast } = await startApprovalAirlock({ env: { AIRLOCK_DB_POOL_SIZE: "30" } }));
  t.airlock.approvals.subjects.register(testBatch);
});
after(async () => {
  await t.close();
});

async function principal(user: TestUser): Promise<Principal> {
  return (await loadPrincipal(t.airlock.database.pool, user.id, "token"))!;
}

async function decideBatch(user: TestUser, approvalRequestId: string) {
  const input: DecisionInput = {
    approvalRequestId,
    principal: await principal(user),
    channel: "api",
    requestId: `req_${Math.random().toString(36).slice(2)}`,
    client: { clientIp: null, userAgent: null },
    reason: null,
  };
  return await approve(t.airlock.approvals.deps, input);
}

test("a test-only subject kind: self-approval refused, quorum of distinct humans, onApproved once under 20 racing approvals", async () => {
  const action = t.airlock.workspace.actions.get("credit_dual")!;
  const batchId = "batch_01";
  batches.set(batchId, { items: ["acc_1", "acc_2"], onBehalfOf: null });
  const { id } = await requestSubjectApproval(t.airlock.approvals.deps, {
    kind: "test.batch",
    subjectId: batchId,
    action,
    requester: await principal(cast.approver1),
    payloadHash: hashOf(["acc_1", "acc_2"]),
    reason: "month-end fees",
    policies: [
      {
        name: "batch.review",
        reviewers: { groups: ["approvers"], users: ["cfo@fixture.test", cast.treasurer.id] },
        quorum: 2,
        because: null,
      },
    ],
    expiresInMs: 60_000,
    requestId: "req_batch_request",
  });

  // The requester is a reviewer of the policy, and still may not approve their own request.
  const self = await decideBatch(cast.approver1, id);
  assert.equal(self.ok, false);
  assert.equal(!self.ok && self.error.code, "approval.self_approval");

  const first = await decideBatch(cast.approver2, id);
  assert.ok(first.ok && !first.queued, "one of two approvals: not yet approved");
  assert.equal(first.ok && first.run, null, "no run behind this subject");
  const again = await decideBatch(cast.approver2, id);
  assert.equal(!again.ok && again.error.code, "approval.already_decided", "one person counts once");
  assert.deepEqual(approvedCalls, []);

  // Two more eligible reviewers, ten calls each, all at once: one completes the quorum.
  const racing = await Promise.all(
    Array.from({ length: 20 }, (_, i) => decideBatch(i % 2 === 0 ? cast.cfo : cast.treasurer, id)),
  );
  const accepted = racing.filter((r) => r.ok);
  assert.equal(accepted.length, 1, "exactly one racing approval is accepted");
  assert.ok(accepted[0]!.ok && accepted[0]!.queued && accepted[0]!.request.status === "approved");
  for (const refused of racing.filter((r) => !r.ok))
    assert.ok(
      ["approval.not_pending", "approval.already_decided"].includes(!refused.ok ? refused.error.code : ""),
    );
  assert.deepEqual(approvedCalls, [batchId], "onApproved ran once");
  const effects = await t.airlock.database.pool.query(
    "SELECT run_id FROM fixture.effects WHERE account = 'batch'",
  );
  assert.deepEqual(
    effects.rows.map((r) => r.run_id),
    [batchId],
  );

  // The audit names the subject; the events announce it.
  const types = (await audit(t, { approvalRequestId: id })).map((e) => [e.type, e.data?.subject?.kind]);
  assert.deepEqual(types[0], ["approval.requested", "test.batch"]);
  assert.deepEqual(
    types.filter(([type]) => type === "approval.approved").length,
    2,
    "two approvals recorded (approver2, and the racer that completed the quorum)",
  );
  const decided = await t.airlock.database.pool.query(
    "SELECT payload FROM airlock.event_outbox WHERE type = 'approval.decided' AND payload->>'approvalRequestId' = $1",
    [id],
  );
  assert.equal(decided.rows.length, 1);
  assert.equal(decided.rows[0].payload.subjectKind, "test.batch");
  assert.equal(decided.rows[0].payload.runId, null);

  // At execution the approval binds to the payload: as approved it holds; changed, it is stale.
  const pool = t.airlock.database.pool;
  const recheck = async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      return await recheckSubjectApproval(client, t.airlock.approvals.deps, {
        approvalRequestId: id,
        action,
      });
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  };
  assert.equal(await recheck(), null);
  batches.set(batchId, { items: ["acc_1", "acc_2", "acc_3"], onBehalfOf: null });
  assert.equal((await recheck())?.code, "approval.stale");
});

test("the run API does not decide requests of other kinds; an unregistered kind cannot be requested", async () => {
  const action = t.airlock.workspace.actions.get("credit_dual")!;
  batches.set("batch_02", { items: ["acc_9"], onBehalfOf: cast.approver2.id });
  const { id } = await requestSubjectApproval(t.airlock.approvals.deps, {
    kind: "test.batch",
    subjectId: "batch_02",
    action,
    requester: await principal(cast.approver1),
    payloadHash: hashOf(["acc_9"]),
    reason: null,
    policies: [
      { name: "batch.review", reviewers: { groups: ["approvers"], users: [] }, quorum: 1, because: null },
    ],
    expiresInMs: 60_000,
    requestId: "req_batch_2",
  });
  const viaHttp = await decide(t, cast.cfo, id, "approve");
  assert.equal(viaHttp.status, 404);
  assert.equal(viaHttp.body.error.code, "approval.not_found");
  // Whoever the subject was requested on behalf of is no reviewer of it either.
  const onBehalf = await decideBatch(cast.approver2, id);
  assert.equal(!onBehalf.ok && onBehalf.error.code, "approval.self_approval");
  await assert.rejects(
    requestSubjectApproval(t.airlock.approvals.deps, {
      kind: "test.unknown",
      subjectId: "x",
      action,
      requester: await principal(cast.approver1),
      payloadHash: "h",
      reason: null,
      policies: [],
      expiresInMs: 1000,
      requestId: "req_x",
    }),
    /no approval subject kind "test.unknown"/,
  );
});
