// The HTTP application: one middleware chain (request ID, access log, metrics, errors) and the
// route groups, each mounted by its own module. No server is started here; tests call
// `app.request()` on the result, `serve.ts` puts it on a socket.
import { Hono } from "hono";
import type { Log } from "../observe/logger.ts";
import type { Metrics } from "../observe/metrics.ts";
import { traceContextFrom } from "../observe/request-id.ts";
import type { AppEnv } from "./app-env.ts";
import { refuse, unexpectedErrorResponse } from "./error-response.ts";
import { RouteTable } from "./route.ts";

export type Middleware = (app: Hono<AppEnv>) => void;
export type RouteGroup = (routes: RouteTable) => void;

export interface AppOptions {
  log: Log;
  metrics: Metrics;
  /** Mounted in order, after request-ID and logging, before any route. */
  middleware?: Middleware[];
  /** Plain Hono routes (health, metrics, static UI). */
  plain?: Middleware[];
  /** Declared API routes (route.ts), which also feed the OpenAPI document. */
  routes: RouteGroup[];
  /** Trust X-Forwarded-For for the client IP (behind a known proxy only). */
  trustProxy?: boolean;
  /**
   * Check every declared route's answer against its response schema; a mismatch answers 500 and
   * logs why. On in tests, off in production (it reads each body twice).
   */
  checkResponses?: boolean;
}

export function createApp(options: AppOptions): { app: Hono<AppEnv>; table: RouteTable } {
  const app = new Hono<AppEnv>();
  const table = new RouteTable(app, { checkResponses: options.checkResponses ?? false });
  const { log, metrics } = options;

  app.use(async (c, next) => {
    const started = performance.now();
    const trace = traceContextFrom({
      requestId: c.req.header("x-request-id"),
      traceparent: c.req.header("traceparent"),
    });
    c.set("trace", trace);
    c.set("requestId", trace.requestId);
    c.set("log", log.child({ requestId: trace.requestId }));
    c.set("clientIp", clientIp(c.req.raw, c.env, options.trustProxy ?? false));
    c.set("userAgent", c.req.header("user-agent")?.slice(0, 512) ?? null);
    c.set("principal", null);
    c.set("authError", null);
    try {
      await next();
    } finally {
      c.header("X-Request-Id", trace.requestId);
      const route = c.req.routePath || "unmatched";
      const status = c.res.status;
      const seconds = (performance.now() - started) / 1000;
      metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
      metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
      if (!route.startsWith("/healthz") && !route.startsWith("/metrics")) {
        c.get("log").info(
          { method: c.req.method, route, path: c.req.path, status, ms: Math.round(seconds * 10_000) / 10 },
          "request",
        );
      }
    }
  });

  for (const mount of options.middleware ?? []) mount(app);
  for (const mount of options.plain ?? []) mount(app);
  for (const mount of options.routes) mount(table);

  app.notFound((c) => refuse(c, "request.not_found"));
  app.onError((error, c) => unexpectedErrorResponse(c, error));
  return { app, table };
}

function clientIp(request: Request, env: unknown, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for");
    if (forwarded) return forwarded.split(",")[0]!.trim().slice(0, 64);
  }
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}
