// A stand-in for the demo fintech's payments provider: a small HTTP API that behaves like Stripe's
// where it matters to Airlock. Refunds need an API key and an Idempotency-Key; the same key with
// the same body answers the stored response (marked `Idempotent-Replayed: true`) and refunds
// nothing again; the same key with another body is a 409. Its log line for every request shows the
// caller's X-Request-Id and Idempotency-Key. Two demo switches: an outage (every API call answers
// 503) and a slow mode (the refund is made, the answer comes late: the caller's timeout sees
// "outcome unknown", and its retry with the same key gets the stored answer).
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProviderLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  requestId: string | null;
  idempotencyKey: string | null;
  replayed: boolean;
}

export interface PaymentsProvider {
  url: string;
  /** Refunds made, in order (a replay adds none). */
  refunds(): Refund[];
  log(): ProviderLogEntry[];
  setOutage(on: boolean): void;
  setDelay(ms: number): void;
  /** Where the switches stand. */
  state(): { outage: boolean; delayMs: number };
  stop(): Promise<void>;
}

interface Refund {
  id: string;
  payment: string;
  amount: number;
  currency: string;
  status: "succeeded";
  created: number;
}

interface Stored {
  fingerprint: string;
  status: number;
  body: string;
}

const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startPaymentsProvider(options: {
  apiKey: string;
  host?: string;
  port?: number;
  /** One line per request (the demo prints it). */
  onLog?: (line: string, entry: ProviderLogEntry) => void;
}): Promise<PaymentsProvider> {
  const refunds: Refund[] = [];
  const entries: ProviderLogEntry[] = [];
  const byKey = new Map<string, Stored | "in_progress">();
  let outage = false;
  let delayMs = 0;
  const expected = Buffer.from(`Bearer ${options.apiKey}`);

  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ status: number; replayed: boolean }> {
    const url = new URL(req.url ?? "/", "http://provider");
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
      return { status, replayed: headers["idempotent-replayed"] === "true" };
    };
    // The demo's switches (no auth: the stand-in listens on 127.0.0.1 only).
    if (url.pathname === "/demo/outage" && req.method === "POST") {
      outage = url.searchParams.get("on") !== "0";
      return send(200, { outage });
    }
    if (url.pathname === "/demo/slow" && req.method === "POST") {
      delayMs = Math.max(0, Math.min(120_000, Number(url.searchParams.get("ms") ?? "0") || 0));
      return send(200, { delayMs });
    }
    if (url.pathname === "/demo/log" && req.method === "GET") return send(200, { entries, refunds });
    if (outage)
      return send(503, { error: { type: "api_error", message: "The provider is down for maintenance." } });
    if (!authorized(req))
      return send(401, { error: { type: "authentication_error", message: "Invalid API key." } });

    const payment = /^\/v1\/payments\/([A-Za-z0-9_]{1,64})$/.exec(url.pathname);
    if (payment && req.method === "GET") {
      const id = payment[1]!;
      const made = refunds.filter((r) => r.payment === id);
      return send(200, {
        id,
        object: "payment",
        refunded: made.reduce((sum, r) => sum + r.amount, 0),
        refunds: made.map((r) => ({ id: r.id, amount: r.amount, currency: r.currency, created: r.created })),
        receipt_email: `customer.${id.slice(-6)}@example.com`,
      });
    }
    if (url.pathname === "/v1/refunds" && req.method === "POST") {
      const key = req.headers["idempotency-key"];
      if (typeof key !== "string" || key === "") {
        return send(400, {
          error: { type: "invalid_request_error", message: "Refunds need an Idempotency-Key." },
        });
      }
      const text = await readBody(req);
      if (text === null)
        return send(413, { error: { type: "invalid_request_error", message: "Body too large." } });
      const fingerprint = createHash("sha256").update(text).digest("hex");
      const stored = byKey.get(key);
      if (stored === "in_progress") {
        return send(409, {
          error: { type: "idempotency_error", message: "A request with this key is in progress." },
        });
      }
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          return send(409, {
            error: { type: "idempotency_error", message: "This key was used with another request body." },
          });
        }
        res.writeHead(stored.status, { "content-type": "application/json", "idempotent-replayed": "true" });
        res.end(stored.body);
        return { status: stored.status, replayed: true };
      }
      let body: { payment?: unknown; amount?: unknown; currency?: unknown };
      try {
        body = JSON.parse(text);
      } catch {
        return send(400, { error: { type: "invalid_request_error", message: "The body is not JSON." } });
      }
      if (
        typeof body.payment !== "string" ||
        !Number.isInteger(body.amount) ||
        (body.amount as number) <= 0
      ) {
        const answer = {
          error: { type: "invalid_request_error", message: "payment and a positive amount are required." },
        };
        byKey.set(key, { fingerprint, status: 400, body: JSON.stringify(answer) });
        return send(400, answer);
      }
      byKey.set(key, "in_progress");
      const refund: Refund = {
        id: `re_${createHash("sha256").update(key).digest("hex").slice(0, 16)}`,
        payment: body.payment,
        amount: body.amount as number,
        currency: typeof body.currency === "string" ? body.currency : "USD",
        status: "succeeded",
        created: Math.floor(Date.now() / 1000),
      };
      refunds.push(refund);
      const answer = JSON.stringify({ object: "refund", ...refund });
      byKey.set(key, { fingerprint, status: 200, body: answer });
      // Slow mode: the refund is made; the answer is late.
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (!res.destroyed) res.writeHead(200, { "content-type": "application/json" }).end(answer);
      return { status: 200, replayed: false };
    }
    return send(404, { error: { type: "invalid_request_error", message: "Unknown endpoint." } });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res)
      .then(({ status, replayed }) => {
        const url = new URL(req.url ?? "/", "http://provider");
        if (url.pathname.startsWith("/demo/log")) return;
        const header = (name: string) => {
          const value = req.headers[name];
          return typeof value === "string" ? value : null;
        };
        const entry: ProviderLogEntry = {
          time: new Date().toISOString(),
          method: req.method ?? "",
          path: url.pathname,
          status,
          requestId: header("x-request-id"),
          idempotencyKey: header("idempotency-key"),
          replayed,
        };
        entries.push(entry);
        if (entries.length > 1000) entries.shift();
        options.onLog?.(
          `payments-provider ${entry.method} ${entry.path} ${status} request_id=${entry.requestId ?? "-"} idempotency_key=${entry.idempotencyKey ?? "-"}${replayed ? " (replayed)" : ""}`,
          entry,
        );
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refunds: () => [...refunds],
    log: () => [...entries],
    setOutage(on) {
      outage = on;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    state: () => ({ outage, delayMs }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
