import { appendAudit } from "../../audit/audit-writer.ts";
import { AirlockError, type Issue } from "../../errors/airlock-error.ts";
import { issuesOf } from "../../errors/issues.ts";
import { nulIssues } from "../../store/storable-text.ts";
import { type Authorized, type Next, type Outcome, refuse, type Validated } from "../pipeline-context.ts";

const MAX_REASON = 2_000;

/**
 * Stage 5: the parameters against the action's schema (unknown fields refused, refinements run
 * here on the server). A refusal stores nothing but an audit event naming the failing fields;
 * the submitted values are not kept (they may hold PII).
 */
export async function validate(ctx: Authorized, next: Next<Validated>): Promise<Outcome> {
  const { action, request, deps, principal } = ctx;
  const issues: Issue[] = [];
  const raw = request.params === undefined ? {} : request.params;
  issues.push(...nulIssues(raw, ["params"]), ...nulIssues(request.reason ?? "", ["reason"]));
  const parsed = action.params.safeParse(raw);
  if (!parsed.success) issues.push(...issuesOf(parsed.error));
  const reason = request.reason?.trim() ?? "";
  if (reason.length > MAX_REASON) {
    issues.push({
      path: ["reason"],
      code: "too_big",
      message: `The reason must be at most ${MAX_REASON} characters.`,
    });
  } else if (action.reasonRequired && reason.length < 3) {
    issues.push({
      path: ["reason"],
      code: "reason_required",
      message: "This action needs a reason (at least 3 characters).",
    });
  }
  if (issues.length > 0 || !parsed.success) {
    await appendAudit(deps.pool, [
      {
        type: "validation.failed",
        outcome: "failure",
        actorId: principal.id,
        actorKind: principal.kind,
        action: action.name,
        actionVersion: action.version,
        requestId: ctx.requestId,
        errorCode: "validation.failed",
        data: { issues: issues.map((i) => ({ path: i.path, code: i.code })) },
        clientIp: request.client.clientIp,
        userAgent: request.client.userAgent,
      },
    ]);
    return refuse(ctx, new AirlockError("validation.failed", undefined, { issues }));
  }
  return await next({ ...ctx, params: parsed.data as Record<string, unknown> });
}
