// Runbooks over HTTP: the catalog, start, runbook runs, cancel, retry, and human steps. Every
// check is in runbooks/runbooks.ts; this file declares the contract (src/api/runbooks.ts).
import {
  answerBody,
  answerResponse,
  cancelRunbookBody,
  gateDecisionBody,
  previewRunbookBody,
  runbookCatalog,
  runbookPreview,
  runbookRun,
  runbookRunList,
  runbookRunListQuery,
  startRunbookBody,
  waitingGateList,
  waitingInputList,
} from "../api/runbooks.ts";
import type { Runbooks } from "../runbooks/runbooks.ts";
import { json, type RouteTable } from "./route.ts";

export function runbookRoutes(deps: { runbooks: Runbooks }) {
  const { runbooks } = deps;
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/runbooks",
      summary: "Runbooks you may see, with their start forms",
      tags: ["runbooks"],
      auth: "principal",
      responses: { 200: { description: "The runbooks", schema: runbookCatalog } },
      async handler(c, { principal }) {
        const list = await runbooks.catalog(principal);
        return json(c, {
          runbooks: list.map(({ runbook, canRun }) => ({
            name: runbook.name,
            title: runbook.title,
            description: runbook.description,
            version: runbook.version,
            tags: runbook.tags,
            uses: runbook.uses,
            paramsSchema: runbook.paramsJsonSchema,
            canRun,
          })),
        });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runbooks/:name/preview",
      summary:
        "What starting a runbook with these parameters would ask: its approval gates that let you pick reviewers, and whom you may pick (nothing is started)",
      tags: ["runbooks"],
      auth: "principal",
      body: previewRunbookBody,
      responses: { 200: { description: "The gates you may pick reviewers for", schema: runbookPreview } },
      async handler(c, { principal, body }) {
        return json(c, await runbooks.preview(principal, c.req.param("name") ?? "", body.params ?? {}));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runbooks/:name/runs",
      summary:
        "Start a runbook (needs run on it and on every action it uses; send Idempotency-Key to make retries safe)",
      tags: ["runbooks"],
      auth: "principal",
      body: startRunbookBody,
      responses: {
        202: { description: "Started; follow it at /api/v1/runbook-runs/{id}", schema: runbookRun },
      },
      async handler(c, { principal, body }) {
        const started = await runbooks.start(
          principal,
          c.req.param("name") ?? "",
          body.params ?? {},
          c.get("requestId"),
          {
            idempotencyKey: c.req.header("idempotency-key") ?? null,
            reason: body.reason?.trim() || null,
            gateReviewers: body.gateReviewers ?? null,
          },
        );
        // A repeated start answers with the first run, whose request is the first request.
        if (started.requestId !== c.get("requestId")) c.header("Idempotent-Replayed", "true");
        return json(c, started, 202);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/runbook-runs",
      summary: "Runbook runs of the runbooks you may see, newest first",
      tags: ["runbooks"],
      auth: "principal",
      query: runbookRunListQuery,
      responses: { 200: { description: "Runbook runs (without steps and logs)", schema: runbookRunList } },
      async handler(c, { principal, query }) {
        const list = await runbooks.list(principal, {
          limit: query.limit,
          ...(query.runbook ? { runbook: query.runbook } : {}),
          ...(query.before ? { before: query.before } : {}),
        });
        return json(c, { runbookRuns: list });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/runbook-runs/:id",
      summary: "One runbook run: every step, its status, its run, who answered, the log",
      tags: ["runbooks"],
      auth: "principal",
      responses: { 200: { description: "The runbook run", schema: runbookRun } },
      async handler(c, { principal }) {
        return json(c, await runbooks.get(principal, c.req.param("id") ?? ""));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runbook-runs/:id/cancel",
      summary: "Cancel a running or waiting runbook run (steps already done stay done)",
      tags: ["runbooks"],
      auth: "principal",
      body: cancelRunbookBody,
      responses: { 200: { description: "Cancelled", schema: runbookRun } },
      async handler(c, { principal, body }) {
        return json(c, await runbooks.cancel(principal, c.req.param("id") ?? "", body.reason ?? null));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runbook-runs/:id/retry",
      summary: "Retry a failed runbook run from its failed step",
      tags: ["runbooks"],
      auth: "principal",
      responses: { 202: { description: "Running again from the failed step", schema: runbookRun } },
      async handler(c, { principal }) {
        return json(c, await runbooks.retry(principal, c.req.param("id") ?? ""), 202);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runbook-runs/:id/steps/:step/answer",
      summary: "Answer a human step assigned to you (answering again returns the first answer)",
      tags: ["runbooks"],
      auth: "principal",
      body: answerBody,
      responses: { 200: { description: "Answered (or already answered)", schema: answerResponse } },
      async handler(c, { principal, body }) {
        const answered = await runbooks.answer(
          principal,
          c.req.param("id") ?? "",
          c.req.param("step") ?? "",
          body.answer,
        );
        return json(c, { runbookRun: answered.run, replayed: answered.replayed });
      },
    });

    for (const verb of ["approve", "reject"] as const)
      routes.add({
        method: "post",
        path: `/api/v1/runbook-runs/:id/steps/:step/${verb}`,
        summary:
          verb === "approve"
            ? "Approve a runbook's approval gate (never the runbook's starter)"
            : "Reject a runbook's approval gate (a reason is required); the runbook fails at it",
        tags: ["runbooks"],
        auth: "principal",
        body: gateDecisionBody,
        responses: { 200: { description: "Decided", schema: runbookRun } },
        async handler(c, { principal, body }) {
          return json(
            c,
            await runbooks.decideGate(verb, {
              principal,
              runbookRunId: c.req.param("id") ?? "",
              step: c.req.param("step") ?? "",
              reason: body.reason?.trim() || null,
              channel: channelOf(c.req.header("x-airlock-client")),
              requestId: c.get("requestId"),
              client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
            }),
          );
        },
      });

    routes.add({
      method: "get",
      path: "/api/v1/runbook-gates",
      summary: "Runbook approval gates you may decide now",
      tags: ["runbooks"],
      auth: "principal",
      responses: { 200: { description: "Pending gates, oldest first", schema: waitingGateList } },
      async handler(c, { principal }) {
        return json(c, { gates: await runbooks.gates(principal) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/runbook-inputs",
      summary: "Human steps waiting for you (your own or your groups')",
      tags: ["runbooks"],
      auth: "principal",
      responses: { 200: { description: "Waiting human steps, oldest first", schema: waitingInputList } },
      async handler(c, { principal }) {
        return json(c, { inputs: await runbooks.inbox(principal) });
      },
    });
  };
}

// Where a decision came from, as the approval routes record it (the CLI and web UI say so).
const CHANNELS = new Set(["web", "cli", "api"]);
function channelOf(header: string | undefined): string {
  return header && CHANNELS.has(header) ? header : "api";
}
