// Deciding on an approval request: approve, reject, or (by the requester) cancel.
//
// One transaction per decision. It locks the request row (FOR UPDATE) before reading anything
// else, so decisions, cancellations, the expiry sweeper and the worker's re-check on one request
// run one after another; every status change below is also a compare-and-set, and the decisions
// table's primary key allows one decision per reviewer. When the deciding approval completes the
// quorum, the same transaction moves the request to `approved`, the run `pending_approval →
// approved → queued`, gives it a fresh execution request ID and enqueues its job: the job exists
// if and only if the approval committed. The worker then executes the run from its stored
// parameters and re-checks the approval in the executing transaction (control/approval-recheck).
//
// Every outcome is audited: the decision itself, or `approval.refused` with the error code.
import type pg from "pg";
import type { AuditEventInput, ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { RUN_QUEUE } from "../runs/run-queue.ts";
import { getRun, type RunRow, transitionRun } from "../runs/run-store.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { approvalEvent } from "./approval-audit.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import { expireRequest } from "./approval-expiry.ts";
import { APPROVAL_ID } from "./approval-status.ts";
import {
  type ApprovalRequestRow,
  type DecisionRow,
  decisionsOf,
  getApprovalRequest,
  insertDecision,
  moveApproval,
} from "./approval-store.ts";
import { cancelRefusal, decisionRefusal, maySeeRequest } from "./decision-rules.ts";
import { type PolicyTally, quorumReached, tallyQuorum } from "./quorum.ts";

export type DecisionVerb = "approve" | "reject" | "cancel";

export interface DecisionInput {
  approvalRequestId: string;
  principal: Principal;
  /** Where the decision came from: web, api, cli, slack, email. */
  channel: string;
  /** The deciding HTTP request's ID. */
  requestId: string;
  client: ClientInfo;
  reason: string | null;
}

export type DecisionOutcome =
  | {
      ok: true;
      request: ApprovalRequestRow;
      run: RunRow;
      tally: PolicyTally[];
      /** The quorum was reached by this decision and the run was enqueued. */
      queued: boolean;
    }
  | { ok: false; error: AirlockError };

interface Locked {
  tx: pg.PoolClient;
  holdsApprove: boolean;
  request: ApprovalRequestRow;
  run: RunRow;
  action: CompiledAction;
  now: Date;
  verb: DecisionVerb;
  events: AuditEventInput[];
}

export function approve(deps: ApprovalDeps, input: DecisionInput) {
  return withLockedRequest(deps, input, "approve", (locked) => decide(deps, input, "approve", locked));
}

export function reject(deps: ApprovalDeps, input: DecisionInput) {
  return withLockedRequest(deps, input, "reject", (locked) => decide(deps, input, "reject", locked));
}

export function cancel(deps: ApprovalDeps, input: DecisionInput) {
  return withLockedRequest(deps, input, "cancel", async (locked) => {
    const { tx, request, run, now } = locked;
    const refusal = cancelRefusal({ principal: input.principal, request, now });
    if (refusal) return await refuseLocked(deps, input, locked, refusal);
    await moveOrThrow(tx, request.id, "cancelled");
    await runOrThrow(tx, run.id, "pending_approval", "cancelled");
    const ctx = eventContext(input, locked);
    locked.events.push(
      approvalEvent("approval.cancelled", "info", ctx, {
        reason: input.reason,
        data: { channel: input.channel },
      }),
      approvalEvent("run.cancelled", "info", ctx, { reason: input.reason }),
    );
    return await finished(locked, [], false);
  });
}

async function decide(
  deps: ApprovalDeps,
  input: DecisionInput,
  verb: "approve" | "reject",
  locked: Locked,
): Promise<DecisionOutcome> {
  const { tx, request, run, action, now } = locked;
  const decisions = await decisionsOf(tx, request.id);
  const refusal = decisionRefusal({
    principal: input.principal,
    request,
    run,
    action,
    decisions,
    now,
    holdsApprove: locked.holdsApprove,
  });
  if (refusal) return await refuseLocked(deps, input, locked, refusal);
  if (verb === "reject" && !input.reason) {
    return await refuseLocked(deps, input, locked, new AirlockError("approval.reason_required"));
  }
  const inserted = await insertDecision(tx, {
    approvalRequestId: request.id,
    reviewerId: input.principal.id,
    decision: verb,
    reason: input.reason,
    channel: input.channel,
    requestId: input.requestId,
  });
  if (!inserted) return await refuseLocked(deps, input, locked, new AirlockError("approval.already_decided"));
  await deps.racePoint?.("approval.after_decision");
  const ctx = eventContext(input, locked);

  if (verb === "reject") {
    await moveOrThrow(tx, request.id, "rejected");
    await runOrThrow(tx, run.id, "pending_approval", "rejected");
    locked.events.push(
      approvalEvent("approval.rejected", "denied", ctx, {
        reason: input.reason,
        data: { channel: input.channel },
      }),
      approvalEvent("run.rejected", "denied", ctx, { reason: input.reason }),
    );
    return await finished(locked, [], false);
  }

  const approvers = [
    ...decisions.filter((d) => d.decision === "approve" && d.reviewer_active).map(personOf),
    input.principal,
  ];
  const tally = tallyQuorum(request.policies, approvers, [request.requester_id, run.on_behalf_of ?? ""]);
  const reached = quorumReached(tally);
  let executionRequestId: string | null = null;
  if (reached) {
    // A fresh request ID for the execution, never the original one (and not the deciding HTTP
    // request's either: a client may reuse its X-Request-Id). The audit links all three.
    executionRequestId = newId("req");
    await moveOrThrow(tx, request.id, "approved", executionRequestId);
    await runOrThrow(tx, run.id, "pending_approval", "approved");
    await tx.query(
      "UPDATE airlock.runs SET execution_request_id = $2 WHERE id = $1 AND status = 'approved' AND execution_request_id IS NULL",
      [run.id, executionRequestId],
    );
    await runOrThrow(tx, run.id, "approved", "queued");
    await deps.engine.enqueue(tx, RUN_QUEUE, { runId: run.id });
  }
  locked.events.push(
    approvalEvent("approval.approved", "success", ctx, {
      reason: input.reason,
      data: { channel: input.channel, quorum: tally, quorumReached: reached, executionRequestId },
    }),
  );
  return await finished(locked, tally, reached);
}

/**
 * Check that the caller may see the request (else `approval.not_found`: no hint that it
 * exists), open the transaction, lock the request, run `body`, audit, commit. After the commit:
 * wake the local worker if a run was enqueued, and nudge the event outbox.
 */
async function withLockedRequest(
  deps: ApprovalDeps,
  input: DecisionInput,
  verb: DecisionVerb,
  body: (locked: Locked) => Promise<DecisionOutcome>,
): Promise<DecisionOutcome> {
  // Before the transaction: whether the caller may see the request and holds `approve`. The
  // authorizer may query the pool (stored grants), and asking it while this request holds a
  // connection in a transaction queued on the row lock can exhaust the pool under contention
  // (measured before this was moved out: of 50 concurrent approvals on a 20-connection pool, 21
  // failed after the 10 s connection timeout). An action and its requester never change, so
  // reading them without the lock is safe; the status is read again under the lock.
  const known = APPROVAL_ID.test(input.approvalRequestId);
  const peek = known ? await getApprovalRequest(deps.pool, input.approvalRequestId) : null;
  const peekAction = peek ? deps.workspace.actions.get(peek.action) : undefined;
  const visible =
    peek !== null &&
    peekAction !== undefined &&
    (await maySeeRequest(deps.authorizer, deps.workspace, input.principal, peek));
  const holdsApprove =
    visible && peekAction !== undefined
      ? (await deps.authorizer.can(input.principal, "approve", peekAction)).allowed
      : false;

  const tx = await deps.pool.connect();
  let broken = false;
  let outcome: DecisionOutcome;
  try {
    await tx.query("BEGIN");
    const request = visible
      ? await getApprovalRequest(tx, input.approvalRequestId, { forUpdate: true })
      : null;
    const run = request ? await getRun(tx, request.run_id) : null;
    if (!request || !run || !peekAction) {
      const error = new AirlockError("approval.not_found");
      await appendAudit(tx, [
        {
          type: "approval.refused",
          outcome: "denied",
          actorId: input.principal.id,
          actorKind: input.principal.kind,
          approvalRequestId: known ? input.approvalRequestId : null,
          requestId: input.requestId,
          errorCode: error.code,
          clientIp: input.client.clientIp,
          userAgent: input.client.userAgent,
          data: {
            attempted: verb,
            channel: input.channel,
            ...(known ? {} : { given: input.approvalRequestId.slice(0, 64) }),
          },
        },
      ]);
      outcome = { ok: false, error };
    } else {
      const now = (await tx.query<{ now: Date }>("SELECT now() AS now")).rows[0]!.now;
      const locked: Locked = { tx, holdsApprove, request, run, action: peekAction, now, verb, events: [] };
      outcome = await body(locked);
      await appendAudit(tx, locked.events);
    }
    await deps.racePoint?.(`approval.${verb}.before_commit`);
    await tx.query("COMMIT");
  } catch (error) {
    await tx.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    tx.release(broken);
  }
  if (outcome.ok && outcome.queued) deps.engine.wake(RUN_QUEUE);
  deps.outbox.nudge();
  return outcome;
}

/**
 * A refusal inside the locked transaction. An expired request still marked pending is expired
 * here and now (the sweeper may not have passed yet), in the same transaction as the refusal.
 */
async function refuseLocked(
  deps: ApprovalDeps,
  input: DecisionInput,
  locked: Locked,
  error: AirlockError,
): Promise<DecisionOutcome> {
  const ctx = eventContext(input, locked);
  if (error.code === "approval.expired" && locked.request.status === "pending") {
    locked.events.push(...(await expireRequest(locked.tx, locked.request, locked.run, locked.action)));
  }
  locked.events.push(
    approvalEvent("approval.refused", "denied", ctx, {
      errorCode: error.code,
      data: { attempted: locked.verb, channel: input.channel },
    }),
  );
  await deps.racePoint?.("approval.refused");
  return { ok: false, error };
}

async function finished(locked: Locked, tally: PolicyTally[], queued: boolean): Promise<DecisionOutcome> {
  const request = (await getApprovalRequest(locked.tx, locked.request.id))!;
  const run = (await getRun(locked.tx, locked.run.id))!;
  return { ok: true, request, run, tally, queued };
}

function eventContext(input: DecisionInput, locked: Locked) {
  return {
    action: locked.action,
    request: locked.request,
    run: locked.run,
    actor: input.principal,
    requestId: input.requestId,
    client: input.client,
  };
}

function personOf(decision: DecisionRow) {
  return {
    id: decision.reviewer_id,
    kind: decision.reviewer_kind,
    email: decision.reviewer_email,
    groups: decision.reviewer_groups,
  };
}

// The request row is locked by this transaction, so a failed compare-and-set here means the data
// broke an invariant (a run moved without its request): a bug, never an expected outcome.
async function moveOrThrow(
  tx: pg.PoolClient,
  id: string,
  to: "approved" | "rejected" | "cancelled",
  executionRequestId?: string,
) {
  const moved = await moveApproval(tx, id, "pending", to, executionRequestId ? { executionRequestId } : {});
  if (!moved) throw new Error(`approval request ${id} was not pending under its row lock`);
}

async function runOrThrow(
  tx: pg.PoolClient,
  runId: string,
  from: "pending_approval" | "approved",
  to: "approved" | "queued" | "rejected" | "cancelled",
) {
  if (!(await transitionRun(tx, runId, from, to)))
    throw new Error(`run ${runId} was not ${from} while its approval request was pending`);
}
