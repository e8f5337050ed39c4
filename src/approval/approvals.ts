// The approval module's front door, built once per Airlock instance by the runtime: decisions,
// the inbox and the request view, policy modes, the expiry sweeper and the event outbox.
import type { Principal } from "../identity/principal.ts";
import { approve, cancel, type DecisionInput, type DecisionOutcome, reject } from "./approval-decision.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import { createExpirySweeper, type ExpirySweeper } from "./approval-expiry.ts";
import { countApprovals, type InboxStatus, listApprovals } from "./approval-inbox.ts";
import { type ApprovalView, approvalView } from "./approval-view.ts";
import { createEventOutbox, type EventOutbox } from "./event-outbox.ts";

export interface Approvals {
  deps: ApprovalDeps;
  approve(input: DecisionInput): Promise<DecisionOutcome>;
  reject(input: DecisionInput): Promise<DecisionOutcome>;
  cancel(input: DecisionInput): Promise<DecisionOutcome>;
  view(principal: Principal, id: string): Promise<ApprovalView>;
  list: (
    principal: Principal,
    query: { status: InboxStatus; limit: number; cursor?: string | undefined },
  ) => ReturnType<typeof listApprovals>;
  count(principal: Principal): Promise<{ pending: number; mine: number }>;
  sweeper: ExpirySweeper;
  /** Subscribe here to `approval.requested`, `approval.decided`, `run.failed` (docs/approvals.md). */
  events: EventOutbox;
  close(): Promise<void>;
}

export function createApprovals(
  options: Omit<ApprovalDeps, "outbox"> & {
    /** How often this process looks for undelivered events (local commits also nudge it). */
    outboxPollMs: number;
  },
): Approvals {
  const { outboxPollMs, ...rest } = options;
  const outbox = createEventOutbox({ pool: rest.pool, log: rest.log, pollMs: outboxPollMs });
  const deps: ApprovalDeps = { ...rest, outbox };
  // Run by the runtime's maintenance schedule (and by tests directly).
  const sweeper = createExpirySweeper({ pool: deps.pool, workspace: deps.workspace, log: deps.log });
  return {
    deps,
    approve: (input) => approve(deps, input),
    reject: (input) => reject(deps, input),
    cancel: (input) => cancel(deps, input),
    view: (principal, id) => approvalView(deps, principal, id),
    list: (principal, query) => listApprovals(deps, principal, query),
    count: (principal) => countApprovals(deps, principal),
    sweeper,
    events: outbox,
    async close() {
      await sweeper.stop();
      await outbox.stop();
    },
  };
}
