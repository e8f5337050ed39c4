// The approvals inbox, one request's review page, and the decisions. Every rule lives in
// src/approval (decision-rules.ts); these routes only translate HTTP. The decision bodies take a
// reason and nothing else (unknown fields are refused): nothing a client sends at approval time
// can change what runs — the run executes from its stored parameters.
import type { Context } from "hono";
import {
  approvalCount,
  approvalDetail,
  approvalListQuery,
  approvalPage,
  decisionBody,
  decisionResponse,
} from "../api/approvals.ts";
import type { DecisionInput, SubjectDecisionOutcome } from "../approval/approval-decision.ts";
import type { ApprovalRequestRow } from "../approval/approval-store.ts";
import type { Approvals } from "../approval/approvals.ts";
import type { Principal } from "../identity/principal.ts";
import type { RunRow } from "../runs/run-store.ts";
import { runView } from "../runs/run-view.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { AppEnv } from "./app-env.ts";
import { errorResponse } from "./error-response.ts";
import { json, type RouteTable } from "./route.ts";

export interface ApprovalRoutesDeps {
  workspace: CompiledWorkspace;
  approvals: Approvals;
}

// Where a decision came from, as the client declares it (the CLI sends `cli`). It only labels the
// record; the rules are the same on every channel.
const CHANNELS = new Set(["web", "cli", "api"]);

export function approvalRoutes(deps: ApprovalRoutesDeps) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/approvals",
      summary: "The approvals inbox: requests you may decide (pending), decided, or your own (mine)",
      tags: ["approvals"],
      auth: "principal",
      query: approvalListQuery,
      responses: { 200: { description: "A page of approval requests, newest first", schema: approvalPage } },
      async handler(c, { principal, query }) {
        return json(c, await deps.approvals.list(principal, query));
      },
    });

    // Declared before /:id so that "count" is never taken for an id.
    routes.add({
      method: "get",
      path: "/api/v1/approvals/count",
      summary: "Counts for the inbox badge: requests waiting for you, and your own pending requests",
      tags: ["approvals"],
      auth: "principal",
      responses: { 200: { description: "The counts", schema: approvalCount } },
      async handler(c, { principal }) {
        return json(c, await deps.approvals.count(principal));
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/approvals/:id",
      summary: "One approval request with what a reviewer needs to decide, and whether you may",
      tags: ["approvals"],
      auth: "principal",
      responses: { 200: { description: "The request", schema: approvalDetail } },
      async handler(c, { principal }) {
        return json(c, await deps.approvals.view(principal, c.req.param("id") ?? ""));
      },
    });

    const decision = (
      verb: "approve" | "reject" | "cancel",
      summary: string,
      decide: (input: DecisionInput) => Promise<SubjectDecisionOutcome>,
    ) =>
      routes.add({
        method: "post",
        path: `/api/v1/approvals/:id/${verb}`,
        summary,
        tags: ["approvals"],
        auth: "principal",
        body: decisionBody,
        responses: {
          200: {
            description: "The request after the decision, and what it gates (a run, or a runbook's gate)",
            schema: decisionResponse,
          },
        },
        async handler(c, { principal, body }) {
          const outcome = await decide(decisionInput(c, principal, body.reason));
          if (!outcome.ok) return errorResponse(c, outcome.error);
          return json(c, {
            approval: {
              id: outcome.request.id,
              status: outcome.request.status,
              decidedAt: outcome.request.decided_at,
              executionRequestId: outcome.request.execution_request_id,
              quorum: outcome.tally.map((t) => ({
                name: t.name,
                quorum: t.quorum,
                approvals: t.approvedBy.length,
                satisfied: t.satisfied,
              })),
            },
            run: outcome.run ? runView(deps.workspace, outcome.run) : null,
            subject: subjectOf(deps, outcome.request, outcome.run),
          });
        },
      });

    // A runbook's gate is listed in the inbox beside runs, so it is decided here too (same rules).
    decision(
      "approve",
      "Approve a request (a run then executes from its stored parameters; a runbook's gate lets the runbook go on)",
      (input) => deps.approvals.decideListed("approve", input),
    );
    decision("reject", "Reject a request (a reason is required)", (input) =>
      deps.approvals.decideListed("reject", input),
    );
    decision("cancel", "Cancel your own pending request", (input) => deps.approvals.cancel(input));
  };
}

function subjectOf(deps: ApprovalRoutesDeps, request: ApprovalRequestRow, run: RunRow | null) {
  if (run) return { kind: "run", fields: { runId: run.id }, links: { run: `/api/v1/runs/${run.id}` } };
  const item = deps.approvals.subjects.get(request.subject_kind).inbox?.item(request);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(item?.fields ?? {})) fields[key] = String(value);
  return { kind: request.subject_kind, fields, links: item?.links ?? {} };
}

function decisionInput(c: Context<AppEnv>, principal: Principal, reason: string | undefined): DecisionInput {
  const channel = c.req.header("x-airlock-client");
  return {
    approvalRequestId: c.req.param("id") ?? "",
    principal,
    channel: channel && CHANNELS.has(channel) ? channel : "api",
    requestId: c.get("requestId"),
    client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
    reason: reason?.trim() || null,
  };
}
