// Traces: OpenTelemetry spans for a request's path through Airlock (HTTP → pipeline stages →
// handler → resource calls → engine → worker), exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set. Without it nothing is loaded: the SDK, the exporter and the
// context manager are imported only by `startTracing`, and `inSpan` calls its function directly.
//
// The tracer is process-wide because OpenTelemetry's registration is (its API keeps one global
// provider, context manager and propagator): one process, one exporter, whatever number of
// Airlock instances it holds.
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { Log } from "./logger.ts";
import { tracePgQueries } from "./pg-spans.ts";

const SCOPE = "airlock";
let tracer: Tracer | null = null;

export interface Tracing {
  /** Sends what is buffered (tests; shutdown does it too). */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

export interface TracingEnv {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
  /** `key=value,key2=value2` (values URL-encoded): sent with every export, e.g. a collector's API key. */
  OTEL_EXPORTER_OTLP_HEADERS?: string | undefined;
  /** As OTEL_EXPORTER_OTLP_HEADERS, for traces only; wins for a key set in both. */
  OTEL_EXPORTER_OTLP_TRACES_HEADERS?: string | undefined;
}

/**
 * The export's headers, as the OpenTelemetry specification writes them: comma-separated
 * `key=value` pairs, values URL-encoded. A malformed pair is skipped (and named, without its value).
 */
export function exportHeaders(
  env: TracingEnv,
  skipped: (pair: string) => void = () => {},
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const list of [env.OTEL_EXPORTER_OTLP_HEADERS, env.OTEL_EXPORTER_OTLP_TRACES_HEADERS]) {
    for (const pair of (list ?? "").split(",")) {
      if (pair.trim() === "") continue;
      const at = pair.indexOf("=");
      const key = at > 0 ? pair.slice(0, at).trim().toLowerCase() : "";
      let value: string | null = null;
      try {
        value = at > 0 ? decodeURIComponent(pair.slice(at + 1).trim()) : null;
      } catch {
        value = null;
      }
      if (!key || value === null || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) {
        skipped(key || "(no key)");
        continue;
      }
      headers[key] = value;
    }
  }
  return headers;
}

/** Where spans go: the traces endpoint as given, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
export function tracesUrl(env: TracingEnv): string | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return null;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * Starts exporting spans when the environment names an OTLP endpoint; null (and nothing loaded)
 * when it does not. Call once per process, before the instance serves.
 */
export async function startTracing(env: TracingEnv, log: Log): Promise<Tracing | null> {
  const url = tracesUrl(env);
  if (url === null) return null;
  if (tracer !== null) throw new Error("tracing is already started in this process");
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { AsyncLocalStorageContextManager }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/context-async-hooks"),
    ]);
  const [{ W3CTraceContextPropagator }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
  ]);
  const headers = exportHeaders(env, (key) =>
    log.warn({ header: key }, "OTEL_EXPORTER_OTLP_HEADERS: a pair is not key=value (URL-encoded); skipped"),
  );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME?.trim() || "airlock" }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url, headers }) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // Trace context only: baggage is not ours to forward to the systems actions call.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  tracer = trace.getTracer(SCOPE);
  const stopPgSpans = tracePgQueries(tracer);
  // Header names only: their values are credentials.
  log.info({ url, headers: Object.keys(headers) }, "exporting traces over OTLP");
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      stopPgSpans();
      await provider.shutdown();
      tracer = null;
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function tracingOn(): boolean {
  return tracer !== null;
}

/**
 * Runs `fn` inside a span that is the active one for everything it calls; the span records a
 * throw as an error. Without tracing, `fn` runs as it is (`span` undefined).
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (tracer === null) return fn(undefined);
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * The server span of one HTTP request, continuing the caller's W3C `traceparent` when it sent
 * one. `fn` names the span's route and status once they are known.
 */
export function inServerSpan<T>(
  headers: Headers,
  method: string,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (tracer === null) return fn(undefined);
  const carrier: Record<string, string> = {};
  const parent = headers.get("traceparent");
  if (parent) carrier.traceparent = parent;
  const state = headers.get("tracestate");
  if (parent && state) carrier.tracestate = state;
  const inbound = propagation.extract(ROOT_CONTEXT, carrier);
  return context.with(inbound, () =>
    inSpan(method, { kind: SpanKind.SERVER, attributes: { "http.request.method": method } }, fn),
  );
}

/**
 * A consumer span (a worker running a job) continuing the trace its producer stored with the job
 * (W3C `traceparent`/`tracestate` fields); a trace of its own without one. Without tracing, `fn`
 * runs as it is.
 */
export function inConsumerSpan<T>(
  name: string,
  carrier: Record<string, string> | null,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (tracer === null) return fn(undefined);
  const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  return context.with(parent, () => inSpan(name, { kind: SpanKind.CONSUMER, attributes }, fn));
}

/** Names a server span after its route (low cardinality) and records the status. */
export function endServerSpan(span: Span | undefined, method: string, route: string, status: number): void {
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute("http.route", route);
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}

/** The W3C traceparent of the active span, for a call out that continues it; null without one. */
export function activeTraceparent(): string | null {
  if (tracer === null) return null;
  const span = trace.getActiveSpan();
  if (!span) return null;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}

/** The active span's trace ID; null without tracing. */
export function activeTraceId(): string | null {
  if (tracer === null) return null;
  return trace.getActiveSpan()?.spanContext().traceId ?? null;
}

export { SpanKind };
