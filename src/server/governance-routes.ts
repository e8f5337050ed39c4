// Change requests over HTTP: the list (what waits for a second admin, or your own), one request,
// the decisions, and whether four-eyes is in force. Every rule lives in src/governance and
// src/approval; these routes translate HTTP. `answerChange` is how an admin route answers a change
// that may have been held: 202 with the change request, or its usual answer (marked when it was
// applied directly because only one admin exists).
import type { Context } from "hono";
import { decisionBody } from "../api/approvals.ts";
import {
  actionVersionList,
  changeList,
  changeListQuery,
  changeRequest,
  governanceStatus,
} from "../api/governance.ts";
import { createdToken } from "../api/tokens.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { actionHistory } from "../governance/action-versions.ts";
import type { ChangeRequests, SubmitOutcome } from "../governance/change-requests.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { AppEnv } from "./app-env.ts";
import { json, type RouteTable } from "./route.ts";

const CHANNELS = new Set(["web", "cli", "api"]);

export function governanceRoutes(deps: {
  changes: ChangeRequests;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  database: Database;
}) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/actions/:name/versions",
      summary: "The action's change log: each deployed version, what changed from the one before, its runs",
      tags: ["actions"],
      auth: "principal",
      responses: { 200: { description: "Versions, newest first", schema: actionVersionList } },
      async handler(c, { principal }) {
        const action = deps.workspace.actions.get(c.req.param("name") ?? "");
        // Like the action itself: whoever may not see it is told it does not exist.
        if (!action || !(await deps.authorizer.can(principal, "view", action)).allowed)
          throw new AirlockError("action.not_found");
        return json(c, { action: action.name, versions: await actionHistory(deps.database.pool, action) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/changes",
      summary: "Change requests: pending ones (admins), your own (mine), or all (admins)",
      tags: ["governance"],
      auth: "principal",
      query: changeListQuery,
      responses: { 200: { description: "Change requests, newest first", schema: changeList } },
      async handler(c, { principal, query }) {
        return json(c, { changes: await deps.changes.list(principal, query) });
      },
    });

    // Declared before /:id so that "status" is never taken for an id.
    routes.add({
      method: "get",
      path: "/api/v1/changes/status",
      summary: "Whether access and policy changes need a second admin (not while only one admin exists)",
      tags: ["governance"],
      auth: "principal",
      responses: {
        200: { description: "The admins counted and the rule per change kind", schema: governanceStatus },
      },
      async handler(c) {
        return json(c, await deps.changes.status());
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/changes/:id",
      summary: "One change request, its decisions, and whether you may decide it",
      tags: ["governance"],
      auth: "principal",
      responses: { 200: { description: "The change request", schema: changeRequest } },
      async handler(c, { principal }) {
        return json(c, await deps.changes.get(principal, c.req.param("id") ?? ""));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/changes/:id/token",
      summary:
        "Collect the API token of your approved token change request (shown this once); needs a signed-in session",
      tags: ["governance"],
      auth: "principal",
      responses: { 201: { description: "The token, shown this once", schema: createdToken } },
      async handler(c, { principal }) {
        const token = await deps.changes.collectToken(
          {
            actor: principal,
            requestId: c.get("requestId"),
            client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
          },
          c.req.param("id") ?? "",
        );
        c.header("Cache-Control", "no-store");
        return json(c, token, 201);
      },
    });

    for (const [verb, summary] of [
      ["approve", "Approve a change request (another admin's; it is applied at once)"],
      ["reject", "Reject a change request (a reason is required)"],
      ["cancel", "Cancel your own pending change request"],
    ] as const) {
      routes.add({
        method: "post",
        path: `/api/v1/changes/:id/${verb}`,
        summary,
        tags: ["governance"],
        auth: "principal",
        body: decisionBody,
        responses: { 200: { description: "The change request after the decision", schema: changeRequest } },
        async handler(c, { principal, body }) {
          const channel = c.req.header("x-airlock-client");
          const view = await deps.changes.decide(verb, {
            changeId: c.req.param("id") ?? "",
            principal,
            channel: channel && CHANNELS.has(channel) ? channel : "api",
            requestId: c.get("requestId"),
            client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
            reason: body.reason?.trim() || null,
          });
          return json(c, view);
        },
      });
    }
  };
}

/** The answer of an admin change: 202 with the change request when held, else `direct(result)`. */
export function answerChange(
  c: Context<AppEnv>,
  outcome: SubmitOutcome,
  direct: (result: Record<string, unknown>) => Response,
): Response {
  if (!outcome.applied) {
    return json(
      c,
      {
        changeRequest: outcome.change,
        message: "This change needs a second admin's approval; it is applied when another admin approves it.",
      },
      202,
    );
  }
  // Said on every directly applied change while only one admin exists, so the UI can show it.
  if (outcome.fourEyes === "bootstrap") c.header("X-Airlock-Four-Eyes", "bootstrap");
  return direct(outcome.result);
}
