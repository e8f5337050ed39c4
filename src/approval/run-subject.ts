// The run as an approval subject: the request holds a run at `pending_approval`; approval hands
// it to its owner through the run lifecycle (the action queue queues it for a worker), and a
// rejection, cancellation or expiry ends it there. The payload is the run's stored parameters.
import { paramsHash } from "../runs/params-hash.ts";
import { approveRun, endUnapproved, type LifecycleDeps } from "../runs/run-lifecycle.ts";
import type { RunOwner } from "../runs/run-owner.ts";
import { getRun } from "../runs/run-store.ts";
import { executionParams } from "../runs/run-values.ts";
import type { ApprovalSubjectKind, SubjectChange } from "./approval-subject.ts";

export function runSubjectKind(deps: LifecycleDeps & { owner: RunOwner }): ApprovalSubjectKind {
  const end =
    (to: "rejected" | "cancelled" | "expired") =>
    async (db: Parameters<typeof getRun>[0], change: SubjectChange) => {
      const run = change.subject.run!;
      await endUnapproved(deps, db, {
        to,
        run,
        action: change.action,
        by: change.by,
        reason: to === "expired" ? null : change.reason,
        ...(to === "expired" ? { data: { expiresAt: change.request.expires_at } } : {}),
        auditInto: change.auditInto,
      });
    };
  return {
    kind: "run",
    async load(db, request) {
      const run = request.run_id ? await getRun(db, request.run_id) : null;
      return run ? { onBehalfOf: run.on_behalf_of, run } : null;
    },
    async payloadHash(db, request, action) {
      const run = request.run_id ? await getRun(db, request.run_id) : null;
      if (!run) return null;
      // Both must hold: the parameters hash to what the run stored and to what was approved.
      const hash = paramsHash(action.name, executionParams(deps.keyring ?? null, run));
      return hash === run.params_hash ? hash : null;
    },
    async onApproved(db, change) {
      return await approveRun(db, {
        run: change.subject.run!,
        executionRequestId: change.executionRequestId,
        owner: deps.owner,
      });
    },
    onRejected: end("rejected"),
    onCancelled: end("cancelled"),
    onExpired: end("expired"),
  };
}
