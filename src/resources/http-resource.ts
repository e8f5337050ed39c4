// An HTTP resource for one run: requests stay under the base URL, carry the auth from the secret
// store, the run's request ID and trace, and — on every non-GET — the run's idempotency key, so the
// downstream can dedupe our retries. They go through the outbound client (SSRF guard, pinned
// address, size cap, timeouts); failures come back as downstream.* errors.
import { createHmac } from "node:crypto";
import { OutboundError, outboundRequest } from "../outbound/outbound-client.ts";
import type { HttpResourceRequest, HttpResourceResponse } from "../sdk/define-resource.ts";
import type { CompiledHttpResource } from "../workspace/compile-resources.ts";
import { outboundFailure, statusFailure } from "./downstream-error.ts";

export interface HttpCallContext {
  requestId: string;
  traceparent: string;
  idempotencyKey: string;
  signal?: AbortSignal;
}

export interface HttpResourceDeps {
  /** Secret values by name, read when the resource was opened. */
  secrets: ReadonlyMap<string, string>;
  /** Marked internal by an admin (AIRLOCK_INTERNAL_RESOURCES): private addresses allowed. */
  internal: boolean;
  /** Name resolution (tests). */
  resolve?: (hostname: string) => Promise<string[]>;
}

const METHOD = /^[A-Z]{3,10}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const OURS = new Set([
  "host",
  "authorization",
  "x-request-id",
  "traceparent",
  "idempotency-key",
  "content-length",
]);

export class HttpResourceCallError extends Error {
  constructor(resource: string, message: string) {
    super(`${resource}: ${message}`);
    this.name = "HttpResourceCallError";
  }
}

/** The URL of `path` under the resource's base URL; a path that would leave it throws. */
export function resourceUrl(
  resource: CompiledHttpResource,
  path: string,
  query?: HttpResourceRequest["query"],
): URL {
  if (
    typeof path !== "string" ||
    /^[a-z][a-z0-9+.-]*:/i.test(path) ||
    path.startsWith("//") ||
    path.includes("\\")
  ) {
    throw new HttpResourceCallError(resource.name, "the path must be relative to the resource's base URL");
  }
  const base = resource.baseUrl;
  if (!base)
    throw new HttpResourceCallError(resource.name, "the resource is not open (its base URL is not loaded)");
  const url = new URL(path.replace(/^\/+/, ""), base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
    throw new HttpResourceCallError(resource.name, "the path leaves the resource's base URL");
  }
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.append(name, String(value));
  }
  return url;
}

function authHeaders(
  resource: CompiledHttpResource,
  secrets: ReadonlyMap<string, string>,
  signed: { method: string; pathAndQuery: string; body: string },
): Record<string, string> {
  const auth = resource.auth;
  if (!auth) return {};
  const secret = secrets.get(auth.secret);
  if (secret === undefined)
    throw new HttpResourceCallError(resource.name, `secret ${auth.secret} is not loaded`);
  switch (auth.type) {
    case "bearer":
      return { authorization: `Bearer ${secret}` };
    case "basic":
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${secret}`).toString("base64")}` };
    case "header":
      return { [auth.header.toLowerCase()]: secret };
    case "hmac": {
      const timestamp = Math.floor(Date.now() / 1000);
      const mac = createHmac("sha256", secret)
        .update(`${timestamp}.${signed.method}.${signed.pathAndQuery}.${signed.body}`)
        .digest("hex");
      return { [(auth.header ?? "X-Signature").toLowerCase()]: `t=${timestamp},v1=${mac}` };
    }
  }
}

export async function callHttpResource(
  resource: CompiledHttpResource,
  deps: HttpResourceDeps,
  call: HttpCallContext,
  request: HttpResourceRequest,
): Promise<HttpResourceResponse> {
  const method = (request.method ?? "GET").toUpperCase();
  if (!METHOD.test(method))
    throw new HttpResourceCallError(resource.name, `${JSON.stringify(request.method)} is not an HTTP method`);
  const url = resourceUrl(resource, request.path, request.query);
  const pathAndQuery = `${url.pathname}${url.search}`;
  let body: string | undefined;
  const headers: Record<string, string> = { ...resource.headers };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!HEADER_NAME.test(name) || typeof value !== "string" || /[\r\n]/.test(value))
      throw new HttpResourceCallError(resource.name, `header ${JSON.stringify(name)} is not valid`);
    if (OURS.has(name.toLowerCase()))
      throw new HttpResourceCallError(resource.name, `header ${name} is set by Airlock`);
    headers[name.toLowerCase()] = value;
  }
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers["content-type"] ??= "application/json";
  } else if (request.body !== undefined) body = request.body;
  Object.assign(headers, authHeaders(resource, deps.secrets, { method, pathAndQuery, body: body ?? "" }));
  headers["x-request-id"] = call.requestId;
  headers.traceparent = call.traceparent;
  const idempotencyKey = method === "GET" || method === "HEAD" ? null : call.idempotencyKey;
  if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey;
  headers.accept ??= "application/json";

  const failure = {
    resource: resource.name,
    method,
    path: pathAndQuery,
    idempotencyKey,
    secrets: [...deps.secrets.values()],
  };
  let response: Awaited<ReturnType<typeof outboundRequest>>;
  try {
    response = await outboundRequest(
      {
        url,
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        internal: deps.internal,
        timeoutMs: resource.timeoutMs,
        maxResponseBytes: resource.maxResponseBytes,
        ...(call.signal ? { signal: call.signal } : {}),
      },
      deps.resolve ? { resolve: deps.resolve } : {},
    );
  } catch (error) {
    if (error instanceof OutboundError) throw outboundFailure(error, failure);
    throw error;
  }
  const text = response.body.toString("utf8");
  const accepted =
    (response.status >= 200 && response.status < 300) || (request.accept ?? []).includes(response.status);
  if (!accepted) throw statusFailure(response.status, text, failure);
  return {
    status: response.status,
    headers: response.headers,
    text,
    truncated: response.truncated,
    json<T>() {
      if (response.truncated)
        throw new HttpResourceCallError(
          resource.name,
          "the response was cut at the size limit; it is not whole JSON",
        );
      return JSON.parse(text) as T;
    },
  };
}
