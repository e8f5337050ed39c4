// Run history and one run. Listing shows the caller's own runs plus the runs of actions they
// oversee (approve, audit, admin); a run id outside that is "not found".
import {
  revealAllBody,
  revealAllResponse,
  revealBody,
  revealResponse,
  runDetail,
  runListQuery,
  runLogs,
  runPage,
} from "../api/runs.ts";
import { accountabilityOf } from "../audit/accountability.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { canSeeRunOf, overseenActions } from "../runs/run-access.ts";
import { listRunLogs } from "../runs/run-logs.ts";
import { revealRunField } from "../runs/run-reveal.ts";
import { revealAllOfRun } from "../runs/run-reveal-all.ts";
import { searchRuns } from "../runs/run-search.ts";
import { getRun } from "../runs/run-store.ts";
import { runView } from "../runs/run-view.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { json, type RouteTable } from "./route.ts";

export interface RunRoutesDeps {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  database: Database;
  /** Opens a run's sealed PII for a granted reveal (runs/run-values.ts). */
  keyring: Keyring | null;
}

export function runRoutes(deps: RunRoutesDeps) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/runs",
      summary: "Run history: your runs and those of actions you oversee",
      tags: ["runs"],
      auth: "principal",
      query: runListQuery,
      responses: { 200: { description: "A page of runs, newest first", schema: runPage } },
      async handler(c, { principal, query }) {
        const { actor, ...filters } = query;
        const page = await searchRuns(deps.database.pool, {
          ...filters,
          viewerId: principal.id,
          overseen: await overseenActions(deps.authorizer, deps.workspace, principal),
          actorId: actor === "me" ? principal.id : actor,
        });
        return json(c, {
          runs: page.rows.map((row) => ({ ...runView(deps.workspace, row), actorName: row.actor_name })),
          nextCursor: page.nextCursor,
        });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runs/:id/reveal",
      summary: "Reveal one masked value of a run, with a reason (audited; needs reveal:<class>)",
      tags: ["runs", "pii"],
      auth: "principal",
      body: revealBody,
      responses: { 200: { description: "The unmasked value (not cached)", schema: revealResponse } },
      async handler(c, { principal, body }) {
        const revealed = await revealRunField(deps.database.pool, deps, {
          principal,
          runId: c.req.param("id") ?? "",
          path: body.path,
          reason: body.reason,
          requestId: c.get("requestId"),
          client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        });
        // Shown once: never cached by the browser or a proxy.
        c.header("Cache-Control", "no-store");
        return json(c, revealed);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runs/:id/reveal-all",
      summary:
        "Reveal every masked personal field of a run at once, with one reason (a subject access request; audited once; needs reveal:<class> for every class it holds)",
      tags: ["runs", "pii"],
      auth: "principal",
      body: revealAllBody,
      responses: {
        200: {
          description: "The run's parameters and result unmasked (not cached, not stored)",
          schema: revealAllResponse,
        },
      },
      async handler(c, { principal, body }) {
        const revealed = await revealAllOfRun(deps.database.pool, deps, {
          principal,
          runId: c.req.param("id") ?? "",
          reason: body.reason,
          requestId: c.get("requestId"),
          client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        });
        c.header("Cache-Control", "no-store");
        return json(c, { ...revealed, revealedAt: revealed.revealedAt.toISOString() });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/runs/:id",
      summary: "One run: status, result, request IDs, and its accountability (the six questions)",
      tags: ["runs"],
      auth: "principal",
      responses: { 200: { description: "The run", schema: runDetail } },
      async handler(c, { principal }) {
        const run = await getRun(deps.database.pool, c.req.param("id") ?? "");
        if (!run || !(await canSeeRunOf(deps.authorizer, deps.workspace, principal, run)))
          throw new AirlockError("run.not_found");
        return json(c, {
          ...runView(deps.workspace, run),
          accountability: await accountabilityOf(deps.database.pool, run),
        });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/runs/:id/logs",
      summary: "What a run's handler logged (ctx.log), masked like its parameters, capped per attempt",
      tags: ["runs"],
      auth: "principal",
      responses: { 200: { description: "The run's log lines, oldest first", schema: runLogs } },
      async handler(c, { principal }) {
        const run = await getRun(deps.database.pool, c.req.param("id") ?? "");
        if (!run || !(await canSeeRunOf(deps.authorizer, deps.workspace, principal, run)))
          throw new AirlockError("run.not_found");
        const lines = await listRunLogs(deps.database.pool, run.id);
        return json(c, { runId: run.id, lines: lines.map((l) => ({ ...l, at: l.at.toISOString() })) });
      },
    });
  };
}
