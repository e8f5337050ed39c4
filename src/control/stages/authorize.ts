import { appendAudit } from "../../audit/audit-writer.ts";
import { AirlockError } from "../../errors/airlock-error.ts";
import { type Authorized, type Identified, type Next, type Outcome, refuse } from "../pipeline-context.ts";

/**
 * Stage 4: deny by default. An actor who may not even see the action gets `action.not_found`
 * (its existence is not revealed); one who may see but not run it gets `permission.denied`.
 * Both refusals are audited.
 */
export async function authorize(ctx: Identified, next: Next<Authorized>): Promise<Outcome> {
  const { principal, action, deps, request } = ctx;
  const decision = await deps.authorizer.can(principal, "run", action);
  if (decision.allowed)
    return await next({ ...ctx, authorizedBy: { grant: decision.grant, roles: decision.roles } });
  const visible = (await deps.authorizer.can(principal, "view", action)).allowed;
  await appendAudit(deps.pool, [
    {
      type: "permission.denied",
      outcome: "denied",
      actorId: principal.id,
      actorKind: principal.kind,
      action: action.name,
      actionVersion: action.version,
      requestId: ctx.requestId,
      errorCode: "permission.denied",
      data: { verb: "run", roles: decision.roles, channel: request.channel },
      clientIp: request.client.clientIp,
      userAgent: request.client.userAgent,
    },
  ]);
  return refuse(ctx, new AirlockError(visible ? "permission.denied" : "action.not_found"));
}
