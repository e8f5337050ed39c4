import { appendAudit } from "../../audit/audit-writer.ts";
import { AirlockError, type Issue } from "../../errors/airlock-error.ts";
import { nulIssues } from "../../store/storable-text.ts";
import { NEXT, type Stage } from "../pipeline-context.ts";

const MAX_REASON = 2_000;

/**
 * Stage 5: the parameters against the action's schema (unknown fields refused, refinements run
 * here on the server). A refusal stores nothing but an audit event naming the failing fields;
 * the submitted values are not kept (they may hold PII).
 */
export const validate: Stage = {
  name: "validate",
  async run(ctx) {
    const { action, request, deps } = ctx;
    const issues: Issue[] = [];
    const raw = request.params === undefined ? {} : request.params;
    issues.push(...nulIssues(raw, ["params"]), ...nulIssues(request.reason ?? "", ["reason"]));
    const parsed = action!.params.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({
          path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
          code: issue.code,
          message: issue.message,
        });
      }
    }
    const reason = request.reason?.trim() ?? "";
    if (reason.length > MAX_REASON) {
      issues.push({
        path: ["reason"],
        code: "too_big",
        message: `The reason must be at most ${MAX_REASON} characters.`,
      });
    } else if (action!.reasonRequired && reason.length < 3) {
      issues.push({
        path: ["reason"],
        code: "reason_required",
        message: "This action needs a reason (at least 3 characters).",
      });
    }
    if (issues.length > 0) {
      await appendAudit(deps.pool, [
        {
          type: "validation.failed",
          outcome: "failure",
          actorId: ctx.principal!.id,
          actorKind: ctx.principal!.kind,
          action: action!.name,
          actionVersion: action!.version,
          requestId: ctx.requestId,
          errorCode: "validation.failed",
          data: { issues: issues.map((i) => ({ path: i.path, code: i.code })) },
          clientIp: request.client.clientIp,
          userAgent: request.client.userAgent,
        },
      ]);
      return { refuse: new AirlockError("validation.failed", undefined, { issues }) };
    }
    ctx.params = (parsed.success ? parsed.data : {}) as Record<string, unknown>;
    return NEXT;
  },
};
