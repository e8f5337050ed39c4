// Policies as admins and auditors see them: each policy with its effective mode, the monitoring
// report, and mode changes. Reading needs `admin` or `audit` on the action; changing a mode needs
// `admin` on it. A caller who may not even see the action is told the policy does not exist.
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { CompiledAction, CompiledPolicy } from "../workspace/compile-workspace.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import { iso } from "./approval-inbox.ts";
import { overrideKey, type PolicyMode } from "./policy-modes.ts";
import { policyReport, type ReportInterval } from "./policy-report.ts";

type Deps = Pick<ApprovalDeps, "workspace" | "authorizer" | "pool" | "policyModes">;

/** Actions whose policies the principal may read (admin or audit on the action). */
export async function policyReaders(deps: Deps, principal: Principal): Promise<CompiledAction[]> {
  const actions: CompiledAction[] = [];
  for (const action of deps.workspace.actions.values()) {
    if (action.policies.length === 0) continue;
    const [admin, audit] = await Promise.all([
      deps.authorizer.can(principal, "admin", action),
      deps.authorizer.can(principal, "audit", action),
    ]);
    if (admin.allowed || audit.allowed) actions.push(action);
  }
  return actions;
}

export async function listPolicies(deps: Deps, principal: Principal) {
  const overrides = await deps.policyModes.overrides();
  const policies = [];
  for (const action of await policyReaders(deps, principal)) {
    const admin = (await deps.authorizer.can(principal, "admin", action)).allowed;
    for (const policy of action.policies) {
      const override = overrides.get(overrideKey(action.name, policy.name)) ?? null;
      policies.push({
        name: policy.name,
        action: action.name,
        actionTitle: action.title,
        description: policy.description,
        conditional: policy.when !== undefined,
        reviewers: policy.reviewers,
        quorum: policy.quorum,
        expiresInMs: policy.expiresInMs,
        mode: override?.mode ?? policy.mode,
        codeMode: policy.mode,
        override: override
          ? {
              mode: override.mode,
              reason: override.reason,
              changedBy: override.changedBy,
              changedAt: iso(override.changedAt),
            }
          : null,
        canChangeMode: admin,
      });
    }
  }
  return { policies };
}

export async function reportPolicies(
  deps: Deps,
  principal: Principal,
  query: { from: Date; to: Date; interval: ReportInterval },
) {
  if (query.from.getTime() >= query.to.getTime())
    throw new AirlockError("request.invalid_query", "`from` must be before `to`.");
  const actions = await policyReaders(deps, principal);
  const policies = await policyReport(deps.pool, {
    actions,
    overrides: await deps.policyModes.overrides(),
    ...query,
  });
  return { from: query.from.toISOString(), to: query.to.toISOString(), interval: query.interval, policies };
}

export async function changePolicyMode(deps: Deps, input: PolicyModeInput) {
  const { action, policy } = await resolvePolicyChange(deps, input);
  const result = await deps.policyModes.setMode({
    actor: input.principal,
    action,
    policy,
    mode: input.mode,
    reason: input.reason,
    requestId: input.requestId,
    client: input.client,
  });
  return { action: action.name, policy: policy.name, codeMode: policy.mode, ...result, mode: result.to };
}

export interface PolicyModeInput {
  principal: Principal;
  name: string;
  action?: string | undefined;
  mode: PolicyMode;
  reason: string;
  requestId: string;
  client: ClientInfo;
}

/**
 * The policy a mode change names, once the caller is known to hold `admin` on its action (else
 * `permission.denied`, audited); a policy the caller may not even see is `policy.not_found`.
 */
export async function resolvePolicyChange(
  deps: Deps,
  input: PolicyModeInput,
): Promise<{ action: CompiledAction; policy: CompiledPolicy }> {
  const { principal } = input;
  const matches: { action: CompiledAction; policy: CompiledPolicy }[] = [];
  for (const action of deps.workspace.actions.values()) {
    if (input.action !== undefined && action.name !== input.action) continue;
    const policy = action.policies.find((p) => p.name === input.name);
    if (policy && (await deps.authorizer.can(principal, "view", action)).allowed)
      matches.push({ action, policy });
  }
  if (matches.length === 0) throw new AirlockError("policy.not_found");
  if (matches.length > 1)
    throw new AirlockError(
      "admin.invalid",
      `Several actions have a policy named "${input.name}"; say which with "action".`,
      { actions: matches.map((m) => m.action.name) },
    );
  const { action, policy } = matches[0]!;
  if (!(await deps.authorizer.can(principal, "admin", action)).allowed) {
    await appendAudit(deps.pool, [
      {
        type: "permission.denied",
        outcome: "denied",
        actorId: principal.id,
        actorKind: principal.kind,
        action: action.name,
        actionVersion: action.version,
        requestId: input.requestId,
        errorCode: "permission.denied",
        clientIp: input.client.clientIp,
        userAgent: input.client.userAgent,
        data: { attempted: "policy.mode", policy: policy.name, mode: input.mode },
      },
    ]);
    throw new AirlockError("permission.denied", "Changing a policy's mode needs admin on its action.");
  }
  return { action, policy };
}
