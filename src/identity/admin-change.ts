// Who is making an identity change, and the audit event that records it. Every admin change
// (users, groups, memberships, grants, tokens) is written with its event in one transaction.
import type { AuditEventInput, AuditEventType, AuditOutcome, ClientInfo } from "../audit/audit-event.ts";
import type { Principal } from "./principal.ts";

export interface ChangeContext {
  actor: Principal;
  requestId: string;
  client: ClientInfo;
}

export function changeEvent(
  ctx: ChangeContext,
  type: AuditEventType,
  target: { type: string; id: string },
  data: Record<string, unknown>,
  outcome: AuditOutcome = "success",
): AuditEventInput {
  return {
    type,
    outcome,
    actorId: ctx.actor.id,
    actorKind: ctx.actor.kind,
    targetType: target.type,
    targetId: target.id,
    requestId: ctx.requestId,
    data: { ...data, via: ctx.actor.via },
    clientIp: ctx.client.clientIp,
    userAgent: ctx.client.userAgent,
  };
}
