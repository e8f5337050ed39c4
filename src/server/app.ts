// The HTTP application: one middleware chain (request ID, access log, metrics, errors) and the
// route groups, each mounted by its own module. No server is started here; tests call
// `app.request()` on the result, `serve.ts` puts it on a socket.
import { Hono } from "hono";
import { trustedProxies } from "../config/trusted-proxies.ts";
import type { Log } from "../observe/logger.ts";
import type { Metrics } from "../observe/metrics.ts";
import { traceContextFrom } from "../observe/request-id.ts";
import { endServerSpan, inServerSpan } from "../observe/tracing.ts";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../store/storable-text.ts";
import type { AppEnv } from "./app-env.ts";
import { clientAddress } from "./client-address.ts";
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
  /** Proxies whose forwarding headers name the client (none: the peer address is the client). */
  trustedProxies?: readonly string[];
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
  const proxies = trustedProxies(options.trustedProxies ?? []);

  // The request's server span (when tracing is on) is the active span for everything after it.
  app.use((c, next) =>
    inServerSpan(c.req.raw.headers, c.req.method, async (span) => {
      await next();
      endServerSpan(span, c.req.method, c.req.routePath || "unmatched", c.res.status);
    }),
  );
  app.use(async (c, next) => {
    const started = performance.now();
    const trace = traceContextFrom({
      requestId: c.req.header("x-request-id"),
      traceparent: c.req.header("traceparent"),
    });
    c.set("trace", trace);
    c.set("requestId", trace.requestId);
    c.set("log", log.child({ requestId: trace.requestId }));
    c.set("clientIp", clientAddress(peerAddress(c.env), c.req.raw.headers, proxies));
    c.set("userAgent", c.req.header("user-agent")?.slice(0, 512) ?? null);
    c.set("principal", null);
    c.set("authError", null);
    try {
      const unstorable = unstorableTextIn(c.req.url);
      if (unstorable) {
        c.res = refuse(c, "request.invalid_text", UNSTORABLE_TEXT_MESSAGE, { in: unstorable });
        return;
      }
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

function peerAddress(env: unknown): string | null {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/**
 * Where the decoded path or query carries text PostgreSQL cannot store (storable-text.ts), before
 * any route can hand it to a query (`GET /api/v1/runs/run_%00` was a 500). Only percent-decoding
 * can produce such text in a URL, so a URL without `%` costs one `includes`.
 */
export function unstorableTextIn(url: string): "path" | "query" | null {
  if (!url.includes("%")) return null;
  const parsed = new URL(url);
  for (const segment of parsed.pathname.split("/")) {
    if (!isStorableText(decodeOrRaw(segment))) return "path";
  }
  for (const [name, value] of parsed.searchParams) {
    if (!isStorableText(name) || !isStorableText(value)) return "query";
  }
  return null;
}

/** As the router decodes: an invalid escape (e.g. an encoded lone surrogate) stays as it was. */
function decodeOrRaw(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
