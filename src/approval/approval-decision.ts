// Deciding on an approval request: approve, reject, or (by the requester) cancel.
//
// One transaction per decision. It locks the request row (FOR UPDATE) before reading anything
// else, so decisions, cancellations, the expiry sweeper and the worker's re-check on one request
// run one after another; every status change below is also a compare-and-set, and the decisions
// table's primary key allows one decision per reviewer. When the deciding approval completes the
// quorum, the same transaction moves the request to `approved` with a fresh execution request ID
// and hands the subject to its kind (approval-subject.ts): for a run, the lifecycle moves it to
// `approved` and its owner takes it on (the action queue: `queued` and a job, which exists if and
// only if the approval committed). The worker then executes the run from its stored parameters
// and re-checks the approval in the executing transaction (approval-recheck.ts).
//
// Every outcome is audited: the decision itself, or `approval.refused` with the error code.
import type pg from "pg";
import type { AuditEventInput, ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import type { AfterCommit } from "../runs/run-owner.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
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
import type { ApprovalSubjectKind, Subject } from "./approval-subject.ts";
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
  /**
   * Decide only requests of this subject kind (or these kinds); any other is "not found" (the run
   * API sets "run").
   */
  subjectKind?: string | readonly string[];
}

/** A decision on a request of any subject kind. */
export type SubjectDecisionOutcome =
  | {
      ok: true;
      request: ApprovalRequestRow;
      /** The gated run, for run subjects. */
      run: RunRow | null;
      tally: PolicyTally[];
      /** The quorum was reached by this decision and the subject was handed on. */
      queued: boolean;
    }
  | { ok: false; error: AirlockError };

/** A decision on a request that gates a run (what the HTTP API, CLI and inbox decide). */
export type DecisionOutcome =
  | (Extract<SubjectDecisionOutcome, { ok: true }> & { run: RunRow })
  | Extract<SubjectDecisionOutcome, { ok: false }>;

interface Locked {
  tx: pg.PoolClient;
  holdsApprove: boolean;
  request: ApprovalRequestRow;
  kind: ApprovalSubjectKind;
  subject: Subject;
  /** Null for kinds no action governs (their `access` decides who may decide). */
  action: CompiledAction | null;
  now: Date;
  verb: DecisionVerb;
  events: AuditEventInput[];
  /** Set by the kind when the subject was handed on (e.g. wake the local worker). */
  afterCommit?: AfterCommit;
}

export function approve(deps: ApprovalDeps, raw: DecisionInput) {
  const input = freeTextDecision(raw);
  return withLockedRequest(deps, input, "approve", (locked) => decide(deps, input, "approve", locked));
}

export function reject(deps: ApprovalDeps, raw: DecisionInput) {
  const input = freeTextDecision(raw);
  return withLockedRequest(deps, input, "reject", (locked) => decide(deps, input, "reject", locked));
}

export function cancel(deps: ApprovalDeps, raw: DecisionInput) {
  const input = freeTextDecision(raw);
  return withLockedRequest(deps, input, "cancel", async (locked) => {
    const { tx, request, now } = locked;
    const refusal = cancelRefusal({ principal: input.principal, request, now });
    if (refusal) return await refuseLocked(deps, input, locked, refusal);
    await moveOrThrow(tx, request.id, "cancelled");
    const ctx = eventContext(input, locked);
    locked.events.push(
      approvalEvent("approval.cancelled", "info", ctx, {
        reason: input.reason,
        data: { channel: input.channel },
      }),
    );
    await locked.kind.onCancelled(tx, subjectChange(input, locked));
    return await finished(locked, [], false);
  });
}

async function decide(
  deps: ApprovalDeps,
  input: DecisionInput,
  verb: "approve" | "reject",
  locked: Locked,
): Promise<SubjectDecisionOutcome> {
  const { tx, request, subject, action, now } = locked;
  const decisions = await decisionsOf(tx, request.id);
  const refusal = decisionRefusal({
    principal: input.principal,
    request,
    onBehalfOf: subject.onBehalfOf,
    action,
    decisions,
    now,
    holdsApprove: locked.holdsApprove,
  });
  if (refusal) return await refuseLocked(deps, input, locked, refusal);
  const further =
    (await locked.kind.decisionRefusal?.(tx, input.principal, request, subject)) ??
    (verb === "approve" ? await deps.reviewerRefusal?.(tx, input.principal, request) : null) ??
    null;
  if (further) return await refuseLocked(deps, input, locked, further);
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
    observeWaitAfterCommit(deps, locked, "rejected");
    locked.events.push(
      approvalEvent("approval.rejected", "denied", ctx, {
        reason: input.reason,
        data: { channel: input.channel },
      }),
    );
    await locked.kind.onRejected(tx, subjectChange(input, locked));
    return await finished(locked, [], false);
  }

  const approvers = [
    ...decisions.filter((d) => d.decision === "approve" && d.reviewer_active).map(personOf),
    input.principal,
  ];
  const tally = tallyQuorum(request.policies, approvers, [request.requester_id, subject.onBehalfOf ?? ""]);
  const reached = quorumReached(tally);
  let executionRequestId: string | null = null;
  if (reached) {
    // A fresh request ID for the execution, never the original one (and not the deciding HTTP
    // request's either: a client may reuse its X-Request-Id). The audit links all three.
    executionRequestId = newId("req");
    await moveOrThrow(tx, request.id, "approved", executionRequestId);
  }
  locked.events.push(
    approvalEvent("approval.approved", "success", ctx, {
      reason: input.reason,
      data: { channel: input.channel, quorum: tally, quorumReached: reached, executionRequestId },
    }),
  );
  if (executionRequestId) {
    const refreshed = (await getApprovalRequest(tx, request.id))!;
    locked.afterCommit = await locked.kind.onApproved(tx, {
      ...subjectChange(input, locked),
      request: refreshed,
      executionRequestId,
    });
    observeWaitAfterCommit(deps, locked, "approved");
  }
  return await finished(locked, tally, reached);
}

/**
 * Check that the caller may see the request (else `approval.not_found`: no hint that it
 * exists), open the transaction, lock the request, run `body`, audit, commit. After the commit:
 * what the subject's kind asked for (wake the local worker for a queued run), and nudge the
 * event outbox.
 */
async function withLockedRequest(
  deps: ApprovalDeps,
  input: DecisionInput,
  verb: DecisionVerb,
  body: (locked: Locked) => Promise<SubjectDecisionOutcome>,
): Promise<SubjectDecisionOutcome> {
  // Before the transaction: whether the caller may see the request and holds `approve`. The
  // authorizer may query the pool (stored grants), and asking it while this request holds a
  // connection in a transaction queued on the row lock can exhaust the pool under contention
  // (measured before this was moved out: of 50 concurrent approvals on a 20-connection pool, 21
  // failed after the 10 s connection timeout). An action and its requester never change, so
  // reading them without the lock is safe; the status is read again under the lock.
  const known = APPROVAL_ID.test(input.approvalRequestId);
  const peek = known ? await getApprovalRequest(deps.pool, input.approvalRequestId) : null;
  // A kind with its own `access` (an access change) is governed by no action.
  const access = peek ? deps.subjects.get(peek.subject_kind).access : undefined;
  const peekAction = peek ? (access ? null : deps.workspace.actions.get(peek.action)) : undefined;
  const visible =
    peek !== null &&
    peekAction !== undefined &&
    (access
      ? await access.maySee(input.principal, peek)
      : await maySeeRequest(deps.authorizer, deps.workspace, input.principal, peek));
  const holdsApprove = !visible
    ? false
    : access
      ? await access.mayDecide(input.principal, peek!)
      : peekAction
        ? (await deps.authorizer.can(input.principal, "approve", peekAction)).allowed
        : false;

  const tx = await deps.pool.connect();
  let broken = false;
  let outcome: SubjectDecisionOutcome;
  let afterCommit: AfterCommit | undefined;
  try {
    await tx.query("BEGIN");
    const found = visible ? await getApprovalRequest(tx, input.approvalRequestId, { forUpdate: true }) : null;
    const request = found && ofKind(input.subjectKind, found.subject_kind) ? found : null;
    const kind = request ? deps.subjects.get(request.subject_kind) : null;
    const subject = request && kind ? await kind.load(tx, request) : null;
    if (!request || !kind || !subject || peekAction === undefined) {
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
      const locked: Locked = {
        tx,
        holdsApprove,
        request,
        kind,
        subject,
        action: peekAction,
        now,
        verb,
        events: [],
      };
      outcome = await body(locked);
      await appendAudit(tx, locked.events);
      afterCommit = locked.afterCommit;
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
  afterCommit?.();
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
): Promise<SubjectDecisionOutcome> {
  const ctx = eventContext(input, locked);
  if (error.code === "approval.expired" && locked.request.status === "pending") {
    await expireRequest(locked.tx, {
      request: locked.request,
      kind: locked.kind,
      subject: locked.subject,
      action: locked.action,
      auditInto: locked.events,
    });
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

async function finished(
  locked: Locked,
  tally: PolicyTally[],
  queued: boolean,
): Promise<SubjectDecisionOutcome> {
  const request = (await getApprovalRequest(locked.tx, locked.request.id))!;
  const run = request.run_id ? await getRun(locked.tx, request.run_id) : null;
  return { ok: true, request, run, tally, queued };
}

function eventContext(input: DecisionInput, locked: Locked) {
  return {
    action: locked.action,
    request: locked.request,
    run: locked.subject.run,
    actor: input.principal,
    requestId: input.requestId,
    client: input.client,
  };
}

function subjectChange(input: DecisionInput, locked: Locked) {
  return {
    request: locked.request,
    subject: locked.subject,
    action: locked.action,
    by: {
      actorId: input.principal.id,
      actorKind: input.principal.kind,
      requestId: input.requestId,
      clientIp: input.client.clientIp,
      userAgent: input.client.userAgent,
    },
    reason: input.reason,
    auditInto: locked.events,
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

/** The request's wait, from its creation to this decision, counted once the decision commits. */
function observeWaitAfterCommit(deps: ApprovalDeps, locked: Locked, decision: "approved" | "rejected") {
  if (!deps.metrics) return;
  const metrics = deps.metrics;
  const seconds = Math.max(0, (locked.now.getTime() - locked.request.created_at.getTime()) / 1000);
  const subject = locked.request.subject_kind;
  const then = locked.afterCommit;
  locked.afterCommit = () => {
    metrics.approvalWait.observe({ subject, decision }, seconds);
    return then?.();
  };
}

/** A reviewer's reason is free text: PII typed into it is masked before it is stored anywhere. */
function freeTextDecision(input: DecisionInput): DecisionInput {
  return input.reason ? { ...input, reason: scrubText(input.reason) } : input;
}

function ofKind(wanted: DecisionInput["subjectKind"], kind: string): boolean {
  if (wanted === undefined) return true;
  return typeof wanted === "string" ? kind === wanted : wanted.includes(kind);
}
