// The one way Airlock calls out over HTTP (resources, webhooks). It resolves the name once, judges
// every address (address-verdict.ts), and connects to exactly the address it judged — the socket's
// `lookup` is pinned, so a DNS answer that changes between the check and the connect (DNS
// rebinding) cannot move the request. TLS still verifies the certificate against the original
// name (SNI and Host carry it). Redirects are followed only to the same origin, and only for GET
// and HEAD; the body read is capped, and a cut body is marked, never silently short.
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { type AddressVerdict, judgeAddress } from "./address-verdict.ts";
import { OutboundUrlError, parseOutboundUrl } from "./outbound-url.ts";

export interface OutboundRequest {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The destination was marked internal by an admin: private and loopback addresses allowed. */
  internal?: boolean;
  /** The whole exchange, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Connecting alone (a host that does not answer is unavailable, not slow). Default 5 s. */
  connectTimeoutMs?: number;
  /** Bytes of response body kept; the rest is cut and `truncated` set. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Same-origin redirects followed for GET/HEAD. Default 3. */
  maxRedirects?: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body was longer than `maxResponseBytes` and was cut there. */
  truncated: boolean;
  /** The address the request was sent to. */
  address: string;
  url: string;
}

/**
 * Why a call failed. `refused`: the SSRF guard stopped it before any byte left. `unavailable`: no
 * connection (refused, reset, DNS failure, connect timeout). `timeout`: connected, but no complete
 * answer in time. `mayHaveTakenEffect` is true once the request may have reached the server: the
 * caller cannot know whether it acted, only retry with the same idempotency key.
 */
export class OutboundError extends Error {
  readonly kind: "refused" | "unavailable" | "timeout";
  readonly mayHaveTakenEffect: boolean;
  readonly verdict: AddressVerdict | null;

  constructor(
    kind: OutboundError["kind"],
    message: string,
    options: { mayHaveTakenEffect?: boolean; verdict?: AddressVerdict; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OutboundError";
    this.kind = kind;
    this.mayHaveTakenEffect = options.mayHaveTakenEffect ?? false;
    this.verdict = options.verdict ?? null;
  }
}

export interface OutboundDeps {
  /** Name resolution; DNS by default. Tests give names their own answers. */
  resolve?: (hostname: string) => Promise<string[]>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function outboundRequest(
  request: OutboundRequest,
  deps: OutboundDeps = {},
): Promise<OutboundResponse> {
  const method = (request.method ?? "GET").toUpperCase();
  let url = request.url;
  const maxRedirects = request.maxRedirects ?? 3;
  const first = parsed(url);
  for (let hop = 0; ; hop++) {
    const response = await sendOnce({ ...request, url, method }, deps);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || !location || (method !== "GET" && method !== "HEAD")) {
      return response;
    }
    const next = new URL(location, response.url);
    if (next.origin !== first.url.origin) {
      throw new OutboundError("refused", `redirect to another host (${next.host}) is not followed`);
    }
    if (hop >= maxRedirects) return response;
    url = next;
  }
}

function parsed(url: string | URL) {
  try {
    return parseOutboundUrl(url);
  } catch (error) {
    if (error instanceof OutboundUrlError)
      throw new OutboundError("refused", error.message, { cause: error });
    throw error;
  }
}

async function pinnedAddress(
  target: ReturnType<typeof parseOutboundUrl>,
  internal: boolean,
  deps: OutboundDeps,
): Promise<AddressVerdict & { allowed: true }> {
  let addresses: string[];
  if (target.literal) addresses = [target.literal];
  else {
    try {
      addresses = deps.resolve
        ? await deps.resolve(target.hostname)
        : (await dnsLookup(target.hostname, { all: true, verbatim: true })).map((a) => a.address);
    } catch (error) {
      throw new OutboundError("unavailable", `cannot resolve ${target.hostname}`, { cause: error });
    }
    if (addresses.length === 0) throw new OutboundError("unavailable", `${target.hostname} has no address`);
  }
  // Every address must pass: a name that also points inside is refused, not load-balanced past.
  const verdicts = addresses.map((address) => judgeAddress(address, { internal }));
  const refused = verdicts.find((v) => !v.allowed);
  if (refused && !refused.allowed) {
    throw new OutboundError("refused", `${target.hostname}: ${refused.reason}`, { verdict: refused });
  }
  return verdicts[0] as AddressVerdict & { allowed: true };
}

async function sendOnce(
  request: OutboundRequest & { method: string; url: string | URL },
  deps: OutboundDeps,
): Promise<OutboundResponse> {
  const target = parsed(request.url);
  const pinned = await pinnedAddress(target, request.internal ?? false, deps);
  const timeoutMs = request.timeoutMs ?? 10_000;
  const connectTimeoutMs = Math.min(request.connectTimeoutMs ?? 5_000, timeoutMs);
  const maxBytes = request.maxResponseBytes ?? 1024 * 1024;
  // The socket asks this for the host's address: it gets the one that was judged, whatever DNS
  // says now.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: pinned.address, family: pinned.family },
      ]);
    } else callback(null, pinned.address, pinned.family);
  };
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string> = { ...request.headers };
  if (body && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) {
    headers["content-length"] = String(body.length);
  }

  return await new Promise<OutboundResponse>((resolve, reject) => {
    let connected = false;
    let settled = false;
    const fail = (error: OutboundError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(connectDeadline);
      req.destroy();
      reject(error);
    };
    const options: https.RequestOptions = {
      method: request.method,
      hostname: target.literal ?? target.hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      headers,
      lookup,
      // A fresh connection per call: a pooled socket could carry a request to an address judged
      // for another call.
      agent: false,
      ...(target.tls && !target.literal ? { servername: target.hostname } : {}),
    };
    const req = (target.tls ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: flat,
          body: Buffer.concat(chunks),
          truncated,
          address: pinned.address,
          url: target.url.href,
        });
      };
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        if (size + chunk.length > maxBytes) {
          chunks.push(chunk.subarray(0, maxBytes - size));
          size = maxBytes;
          truncated = true;
          finish();
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", finish);
      res.on("error", (error) =>
        fail(
          new OutboundError("unavailable", "the response was cut off", {
            mayHaveTakenEffect: true,
            cause: error,
          }),
        ),
      );
    });
    const deadline = setTimeout(
      () =>
        fail(
          connected
            ? new OutboundError("timeout", `no complete answer within ${timeoutMs} ms`, {
                mayHaveTakenEffect: true,
              })
            : new OutboundError("unavailable", `could not connect within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    const connectDeadline = setTimeout(() => {
      if (!connected)
        fail(new OutboundError("unavailable", `could not connect within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    req.on("socket", (socket) => {
      const onConnect = () => {
        connected = true;
        clearTimeout(connectDeadline);
      };
      socket.once(target.tls ? "secureConnect" : "connect", onConnect);
    });
    req.on("error", (error) =>
      fail(
        new OutboundError(
          "unavailable",
          connected ? "the connection failed mid-request" : "could not connect",
          {
            mayHaveTakenEffect: connected,
            cause: error,
          },
        ),
      ),
    );
    if (request.signal) {
      if (request.signal.aborted)
        fail(new OutboundError("timeout", "aborted", { mayHaveTakenEffect: false }));
      request.signal.addEventListener(
        "abort",
        () => fail(new OutboundError("timeout", "aborted", { mayHaveTakenEffect: connected })),
        { once: true },
      );
    }
    req.end(body);
  });
}
