// The change request as an approval subject (kind `change`). No action governs it: workspace
// admins see and decide it (`access`), the requester never decides (the rule every kind gets), and
// nobody approves a change that gives them access (`decisionRefusal`). The payload hash binds the
// approval to the stored change; approval applies it in the deciding transaction, as the
// requester, so the change, its audit events and the approval commit together or not at all.
import type { ApprovalSubjectKind } from "../approval/approval-subject.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { paramsHash } from "../runs/params-hash.ts";
import type { Queryable } from "../store/queryable.ts";
import { applyChange, beneficiariesNow, type ChangeDeps } from "./change-kinds.ts";
import { type ChangeRow, endChange, getChange } from "./change-store.ts";
import { recordCooldown } from "./reviewer-cooldown.ts";

export const CHANGE_SUBJECT = "change";

export function changeHash(kind: string, payload: unknown): string {
  return paramsHash(`change:${kind}`, payload);
}

export function changeSubjectKind(
  deps: ChangeDeps & {
    /** Drop the caches of what a change may touch (grants, policy modes), after COMMIT. */
    afterApply: () => void;
  },
): ApprovalSubjectKind {
  const end =
    (to: "rejected" | "cancelled" | "expired") =>
    async (db: Queryable, change: { request: { subject_id: string } }) => {
      await endChange(db, change.request.subject_id, to);
    };
  return {
    kind: CHANGE_SUBJECT,
    async load(db, request) {
      return (await getChange(db, request.subject_id)) ? { onBehalfOf: null, run: null } : null;
    },
    async payloadHash(db, request) {
      const change = await getChange(db, request.subject_id);
      return change ? changeHash(change.kind, change.payload) : null;
    },
    access: {
      async maySee(principal, request) {
        return principal.id === request.requester_id || (await deps.authorizer.isWorkspaceAdmin(principal));
      },
      async mayDecide(principal) {
        return await deps.authorizer.isWorkspaceAdmin(principal);
      },
    },
    async decisionRefusal(db, principal, request) {
      const change = await getChange(db, request.subject_id);
      if (!change) return new AirlockError("change.not_found");
      if (await benefits(db, deps, change, principal.id)) return new AirlockError("approval.own_access");
      return null;
    },
    async onApproved(db, approved) {
      const change = await getChange(db, approved.request.subject_id, { forUpdate: true });
      if (change?.status !== "pending")
        throw new Error(`change request ${approved.request.subject_id} is not pending under its approval`);
      if (changeHash(change.kind, change.payload) !== approved.request.params_hash)
        throw new AirlockError(
          "approval.stale",
          "The stored change differs from the one approved; nothing was applied.",
        );
      const requester = await loadPrincipal(db, change.requested_by);
      if (!requester)
        throw new AirlockError("approval.stale", "The requester is no longer active; nothing was applied.");
      const ctx = {
        actor: requester,
        requestId: approved.executionRequestId,
        client: { clientIp: approved.by.clientIp ?? null, userAgent: approved.by.userAgent ?? null },
      };
      const result = await applyChange(db, ctx, deps.workspace, change.kind, change.payload, "approval");
      await endChange(db, change.id, "applied", result);
      if (change.kind === "group.add_member" && change.payload.userId === change.requested_by) {
        const group = await db.query<{ name: string }>("SELECT name FROM airlock.groups WHERE id = $1", [
          change.payload.groupId,
        ]);
        await recordCooldown(db, {
          userId: change.requested_by,
          groupName: group.rows[0]!.name,
          changeRequestId: change.id,
          ms: deps.workspace.governance.reviewerCooldownMs,
        });
      }
      approved.auditInto.push({
        type: "change.applied",
        outcome: "success",
        actorId: approved.by.actorId,
        actorKind: approved.by.actorKind,
        approvalRequestId: approved.request.id,
        requestId: approved.executionRequestId,
        parentRequestId: change.request_id,
        targetType: "change",
        targetId: change.id,
        data: {
          kind: change.kind,
          summary: change.summary,
          via: "approval",
          requestedBy: change.requested_by,
        },
      });
      return deps.afterApply;
    },
    onRejected: end("rejected"),
    onCancelled: end("cancelled"),
    onExpired: end("expired"),
  };
}

/** Whether the person gains access by the change: as recorded when requested, or now. */
export async function benefits(
  db: Queryable,
  deps: ChangeDeps,
  change: ChangeRow,
  userId: string,
): Promise<boolean> {
  if (change.beneficiaries.includes(userId)) return true;
  return (await beneficiariesNow(db, deps.workspace, change.kind, change.payload)).includes(userId);
}
