// The catalog (GET /api/v1/actions…) and the one way to start a run (POST …/runs).
import type { Context } from "hono";
import { actionDetail, actionList, actionListQuery, reviewerOptions } from "../api/actions.ts";
import { run, runBody } from "../api/runs.ts";
import { type ModeOverride, overrideKey, type PolicyModes } from "../approval/policy-modes.ts";
import { reviewerOptionsOf } from "../approval/reviewer-choice.ts";
import type { Control } from "../control/control.ts";
import type { RunRequest } from "../control/pipeline-context.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { isCatalogued } from "../errors/catalogue.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { runView } from "../runs/run-view.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction, CompiledPolicy, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { AppEnv } from "./app-env.ts";
import { errorResponse } from "./error-response.ts";
import { json, type RouteTable } from "./route.ts";

export interface ActionRoutesDeps {
  workspace: CompiledWorkspace;
  /** Read by the reviewer picker's options (approval/reviewer-choice.ts). */
  pool: Queryable;
  authorizer: Authorizer;
  control: Control;
  /** Modes set by admins override the code's; the catalog shows the mode in force. */
  policyModes: PolicyModes;
}

const CHANNELS = new Set(["web", "cli", "api"]);

export async function actionSummary(
  action: CompiledAction,
  principal: Principal,
  authorizer: Authorizer,
  overrides: ReadonlyMap<string, ModeOverride>,
) {
  const [run, approve] = await Promise.all([
    authorizer.can(principal, "run", action),
    authorizer.can(principal, "approve", action),
  ]);
  const modeOf = (p: CompiledPolicy) => overrides.get(overrideKey(action.name, p.name))?.mode ?? p.mode;
  return {
    name: action.name,
    title: action.title,
    description: action.description,
    tags: action.tags,
    risk: action.risk,
    version: action.version,
    reasonRequired: action.reasonRequired,
    execution: action.execution,
    approval: {
      mayBeRequired: action.policies.some((p) => modeOf(p) === "enforce"),
      policies: action.policies.map((p) => ({
        name: p.name,
        description: p.description,
        mode: modeOf(p),
        quorum: p.quorum,
        reviewers: p.reviewers,
        conditional: p.when !== undefined,
        requesterChoosesReviewers: p.requesterChoosesReviewers === true,
      })),
    },
    permissions: { run: run.allowed, approve: approve.allowed },
    bulk: action.definition.bulk !== undefined,
    savedQuery: action.definition.uses?.kind === "sql" && !action.definition.uses.write,
  };
}

/** 200: the run succeeded. 202: waiting for approval or still executing (Location points at it). */
export const runResponses = {
  200: { description: "The run succeeded; the body is the run with its (masked) result", schema: run },
  202: { description: "Waiting for approval or still executing; Location points at the run", schema: run },
};

export function actionRoutes(deps: ActionRoutesDeps) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/actions",
      summary: "List the actions you may see",
      tags: ["actions"],
      auth: "principal",
      query: actionListQuery,
      responses: { 200: { description: "The actions, by title", schema: actionList } },
      async handler(c, { principal, query }) {
        const needle = query.q?.toLowerCase().trim();
        const overrides = await deps.policyModes.overrides();
        const visible = [];
        for (const action of deps.workspace.actions.values()) {
          if (!(await deps.authorizer.can(principal, "view", action)).allowed) continue;
          if (query.tag && !action.tags.includes(query.tag)) continue;
          if (
            needle &&
            ![action.name, action.title, action.description, ...action.tags].some((t) =>
              t.toLowerCase().includes(needle),
            )
          )
            continue;
          visible.push(await actionSummary(action, principal, deps.authorizer, overrides));
        }
        visible.sort((a, b) => a.title.localeCompare(b.title));
        return json(c, { actions: visible });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/actions/:name",
      summary: "One action, with its parameters' JSON Schema",
      tags: ["actions"],
      auth: "principal",
      responses: { 200: { description: "The action", schema: actionDetail } },
      async handler(c, { principal }) {
        const action = await visibleAction(deps, principal, c.req.param("name") ?? "");
        return json(c, {
          ...(await actionSummary(action, principal, deps.authorizer, await deps.policyModes.overrides())),
          paramsSchema: action.paramsJsonSchema,
          outputSchema: action.outputJsonSchema,
          timeoutMs: action.timeoutMs,
        });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/actions/:name/reviewers",
      summary: "Whom you may pick as reviewers of a run of this action (where its policy allows it)",
      tags: ["actions"],
      auth: "principal",
      responses: { 200: { description: "The people and groups you may pick", schema: reviewerOptions } },
      async handler(c, { principal }) {
        const action = await visibleAction(deps, principal, c.req.param("name") ?? "");
        // Only a requester may pick, so only someone who may run the action learns who reviews it.
        if (!(await deps.authorizer.can(principal, "run", action)).allowed)
          throw new AirlockError("permission.denied");
        return json(c, await reviewerOptionsOf(deps, action, principal));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/actions/:name/runs",
      summary: "Run an action (send Idempotency-Key to make retries safe)",
      tags: ["runs"],
      auth: "principal",
      body: runBody,
      responses: runResponses,
      async handler(c, { principal, body }) {
        const channel = c.req.header("x-airlock-client");
        const request: RunRequest = {
          channel: channel && CHANNELS.has(channel) ? (channel as RunRequest["channel"]) : "api",
          principal,
          actionName: c.req.param("name") ?? "",
          params: body.params ?? {},
          idempotencyKey: c.req.header("idempotency-key") ?? null,
          reason: body.reason ?? null,
          reviewers: body.reviewers ?? null,
          trace: c.get("trace"),
          client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        };
        const result = await deps.control.submit(request);
        return submitResponse(c, deps.workspace, result);
      },
    });
  };
}

async function visibleAction(
  deps: ActionRoutesDeps,
  principal: Principal,
  name: string,
): Promise<CompiledAction> {
  const action = deps.workspace.actions.get(name);
  if (!action || !(await deps.authorizer.can(principal, "view", action)).allowed)
    throw new AirlockError("action.not_found");
  return action;
}

/**
 * 200 with the run when it succeeded; 202 while it waits for approval or is still executing
 * (Location points at the run); the error envelope when it was refused or failed.
 */
export function submitResponse(
  c: Context<AppEnv>,
  workspace: CompiledWorkspace,
  result: Awaited<ReturnType<Control["submit"]>>,
): Response {
  if (result.kind === "refused") return errorResponse(c, result.error);
  const view = runView(workspace, result.run);
  if (result.replayed) c.header("Idempotent-Replayed", "true");
  c.header("Location", view.links.self);
  if (result.run.status === "failed") {
    const code = result.run.error_code ?? "handler.failed";
    const error = code.startsWith("domain.")
      ? AirlockError.domain(
          code.slice("domain.".length),
          result.run.error_message ?? "The action refused the request.",
          { runId: view.id },
        )
      : new AirlockError(
          isCatalogued(code) ? code : "handler.failed",
          result.run.error_message ?? undefined,
          // A downstream failure says which system, what it answered, and whether the outcome is
          // unknown (then with the idempotency key to retry with).
          (code.startsWith("downstream.") || result.run.error_details?.outcomeUnknown === true) &&
            result.run.error_details
            ? { ...result.run.error_details, runId: view.id }
            : { runId: view.id },
        );
    return errorResponse(c, error);
  }
  const pending = ["pending_approval", "approved", "queued", "running"].includes(result.run.status);
  return c.json(view, pending ? 202 : 200);
}
