import type { Hono } from "hono";
import type { Registry } from "prom-client";
import { healthResponse, readyResponse } from "../api/health.ts";
import type { AppEnv } from "./app-env.ts";
import type { RouteTable } from "./route.ts";

export interface ReadyReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** `/healthz`: the process answers. `/readyz`: it can do its job (database up, schema current). */
export function healthRoutes(deps: { ready: () => Promise<ReadyReport> }) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/healthz",
      summary: "Liveness: the process answers",
      tags: ["health"],
      auth: "public",
      responses: { 200: { description: "Alive", schema: healthResponse } },
      async handler(c) {
        return c.json({ status: "ok" });
      },
    });
    routes.add({
      method: "get",
      path: "/readyz",
      summary: "Readiness: the database answers and every migration is applied",
      tags: ["health"],
      auth: "public",
      responses: {
        200: { description: "Ready", schema: readyResponse },
        503: { description: "Not ready; the failed checks say why", schema: readyResponse },
      },
      async handler(c) {
        const report = await deps.ready();
        return c.json(
          { status: report.ready ? "ready" : "not_ready", checks: report.checks },
          report.ready ? 200 : 503,
        );
      },
    });
  };
}

/** `/metrics`: Prometheus text (not JSON, so not part of the OpenAPI document). */
export function metricsRoute(deps: { registry: Registry }) {
  return (app: Hono<AppEnv>) => {
    app.get("/metrics", async (c) => {
      c.header("Content-Type", deps.registry.contentType);
      return c.body(await deps.registry.metrics());
    });
  };
}
