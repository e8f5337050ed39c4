// The approval module's front door, built once per Airlock instance by the runtime: decisions,
// the inbox and the request view, policy modes, the expiry sweeper, the subject kinds and the
// event outbox.
import { createEventOutbox, type EventOutbox } from "../events/event-outbox.ts";
import type { Principal } from "../identity/principal.ts";
import { actionQueueOwner } from "../runs/run-owner.ts";
import {
  approve,
  cancel,
  type DecisionInput,
  type DecisionOutcome,
  reject,
  type SubjectDecisionOutcome,
} from "./approval-decision.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import { createExpirySweeper, type ExpirySweeper } from "./approval-expiry.ts";
import { countApprovals, type InboxStatus, listApprovals } from "./approval-inbox.ts";
import { createSubjectKinds, type SubjectKinds } from "./approval-subject.ts";
import { type ApprovalView, approvalView } from "./approval-view.ts";
import { runSubjectKind } from "./run-subject.ts";

export interface Approvals {
  deps: ApprovalDeps;
  approve(input: DecisionInput): Promise<DecisionOutcome>;
  reject(input: DecisionInput): Promise<DecisionOutcome>;
  cancel(input: DecisionInput): Promise<DecisionOutcome>;
  /**
   * Approve or reject what the approvals inbox lists: a run's request, or a request of a kind the
   * inbox lists beside runs (a runbook's gate). The same rules as on the kind's own route; the
   * kind's hooks move its subject (a gate's runbook goes on).
   */
  decideListed(verb: "approve" | "reject", input: DecisionInput): Promise<SubjectDecisionOutcome>;
  view(principal: Principal, id: string): Promise<ApprovalView>;
  list: (
    principal: Principal,
    query: { status: InboxStatus; limit: number; cursor?: string | undefined },
  ) => ReturnType<typeof listApprovals>;
  count(principal: Principal): Promise<{ pending: number; mine: number; nextExpiresAt: string | null }>;
  sweeper: ExpirySweeper;
  /** What requests may gate: runs built in; other parts register their kinds here. */
  subjects: SubjectKinds;
  /** Subscribe here to `run.finished`, `approval.requested`, … (events/, docs/architecture.md). */
  events: EventOutbox;
  close(): Promise<void>;
}

export function createApprovals(
  options: Omit<ApprovalDeps, "outbox" | "subjects"> & {
    /** How often this process looks for undelivered events (local commits also nudge it). */
    outboxPollMs: number;
  },
): Approvals {
  const { outboxPollMs, ...rest } = options;
  const outbox = createEventOutbox({ pool: rest.pool, log: rest.log, pollMs: outboxPollMs });
  // An approved run goes to its owner; every run submitted through the control layer is owned by
  // the action queue (runbooks and bulk batches will own theirs).
  const subjects = createSubjectKinds([
    runSubjectKind({
      metrics: rest.metrics,
      keyring: rest.keyring,
      paramsHashKey: rest.paramsHashKey,
      owner: actionQueueOwner(rest.engine),
    }),
  ]);
  const deps: ApprovalDeps = { ...rest, outbox, subjects };
  // Run by the runtime's maintenance schedule (and by tests directly).
  const sweeper = createExpirySweeper({
    pool: deps.pool,
    workspace: deps.workspace,
    subjects,
    log: deps.log,
  });
  return {
    deps,
    approve: (input) => approve(deps, { ...input, subjectKind: "run" }).then(forRun),
    reject: (input) => reject(deps, { ...input, subjectKind: "run" }).then(forRun),
    cancel: (input) => cancel(deps, { ...input, subjectKind: "run" }).then(forRun),
    decideListed(verb, input) {
      // Read per call: kinds register after the approvals are built (runbooks at start).
      const subjectKind = ["run", ...subjects.listed().map((k) => k.kind)];
      return (verb === "approve" ? approve : reject)(deps, { ...input, subjectKind });
    },
    view: (principal, id) => approvalView(deps, principal, id),
    list: (principal, query) => listApprovals(deps, principal, query),
    count: (principal) => countApprovals(deps, principal),
    sweeper,
    subjects,
    events: outbox,
    async close() {
      await sweeper.stop();
      await outbox.stop();
    },
  };
}

// Only run requests reach these decisions (subjectKind "run"), and a run request's run exists (a
// foreign key): a missing one is a broken invariant.
function forRun(outcome: SubjectDecisionOutcome): DecisionOutcome {
  if (!outcome.ok) return outcome;
  if (!outcome.run) throw new Error(`approval request ${outcome.request.id} has no run`);
  return { ...outcome, run: outcome.run };
}
