import type { Hono } from "hono";
import type { Registry } from "prom-client";
import type { AppEnv } from "./app-env.ts";

export interface ReadyReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** `/healthz`: the process answers. `/readyz`: it can do its job (database up, schema current). */
export function healthRoutes(deps: { ready: () => Promise<ReadyReport>; registry: Registry }) {
  return (app: Hono<AppEnv>) => {
    app.get("/healthz", (c) => c.json({ status: "ok" }));
    app.get("/readyz", async (c) => {
      const report = await deps.ready();
      return c.json(
        { status: report.ready ? "ready" : "not_ready", checks: report.checks },
        report.ready ? 200 : 503,
      );
    });
    app.get("/metrics", async (c) => {
      c.header("Content-Type", deps.registry.contentType);
      return c.body(await deps.registry.metrics());
    });
  };
}
