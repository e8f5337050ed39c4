// Request IDs: we keep a caller's well-formed X-Request-Id (so a support ticket's ID can be
// followed through), or take the trace id of a W3C traceparent, or make a new one. Anything else
// is ignored rather than refused: a bad header must not make a request fail.
import { newId, randomHex } from "../ids/ids.ts";
import { activeTraceId, activeTraceparent } from "./tracing.ts";

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  requestId: string;
  /** 32 hex chars; from traceparent when present, else fresh. */
  traceId: string;
  /** The caller's span, when a traceparent came in. */
  parentSpanId: string | null;
}

export function newRequestId(): string {
  return newId("req");
}

export function traceContextFrom(headers: {
  requestId?: string | null;
  traceparent?: string | null;
}): TraceContext {
  const parent = headers.traceparent ? TRACEPARENT.exec(headers.traceparent.trim()) : null;
  const traceId = parent && !/^0+$/.test(parent[1]!) ? parent[1]! : randomHex(16);
  const inbound = headers.requestId?.trim();
  const requestId =
    inbound && REQUEST_ID.test(inbound) ? inbound : parent ? `req_${traceId}` : newRequestId();
  // With tracing on, the trace is the request's server span's (which continued the caller's).
  return { requestId, traceId: activeTraceId() ?? traceId, parentSpanId: parent ? parent[2]! : null };
}

/**
 * Headers for an outbound call made on behalf of this request. With tracing on, the traceparent
 * is the active span's (the call's own span), so the callee's spans join the run's trace.
 */
export function outboundTraceHeaders(trace: TraceContext): Record<string, string> {
  return {
    "x-request-id": trace.requestId,
    traceparent: activeTraceparent() ?? `00-${trace.traceId}-${randomHex(8)}-01`,
  };
}
