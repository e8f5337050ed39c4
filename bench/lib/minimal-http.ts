// The framework-free HTTP front of the bench's baselines (bench/floor-server.ts,
// bench/dbos-server.ts): `node:http`, the same request as a governed run (POST
// /api/v1/actions/<name>/runs with a bearer token, an Idempotency-Key and a JSON body of params),
// the token checked against a map loaded once at start, and the same JSON answer. Whatever a
// baseline does behind it is the only difference from the other baselines.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type pg from "pg";

export interface MinimalPrincipal {
  id: string;
  kind: string;
}

export interface MinimalRun {
  principal: MinimalPrincipal;
  action: string;
  params: { accountId: string; amountCents: number };
  paramsJson: string;
  paramsHash: string;
  idempotencyKey: string;
  runId: string;
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
}

/** What the baseline answers with: the run's times, or null when the key was already used. */
export type MinimalHandler = (
  run: MinimalRun,
) => Promise<{ createdAt: Date; startedAt: Date; finishedAt: Date } | null>;

/** Every live API token's hash → its user, read once (the floor never goes back to the database). */
export async function loadTokens(db: Pick<pg.Pool, "query">): Promise<Map<string, MinimalPrincipal>> {
  const result = await db.query<{ token_hash: string; id: string; kind: string }>(
    `SELECT t.token_hash, u.id, u.kind FROM airlock.api_tokens t JOIN airlock.users u ON u.id = t.user_id
      WHERE t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.status = 'active'`,
  );
  return new Map(result.rows.map((r) => [r.token_hash, { id: r.id, kind: r.kind }]));
}

const ROUTE = /^\/api\/v1\/actions\/([a-z][a-z0-9_]{0,62})\/runs$/;
const MAX_BODY = 64 * 1024;

export function listenMinimal(
  tokens: Map<string, MinimalPrincipal>,
  handle: MinimalHandler,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void serve(req, res, tokens, handle).catch(() => {
      if (!res.headersSent) reply(res, 503, { error: { code: "unavailable" } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: Map<string, MinimalPrincipal>,
  handle: MinimalHandler,
): Promise<void> {
  const route = req.method === "POST" ? ROUTE.exec(req.url ?? "") : null;
  if (!route) return reply(res, 404, { error: { code: "not_found" } });
  const auth = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  const principal = auth ? tokens.get(createHash("sha256").update(auth[1]!).digest("hex")) : undefined;
  if (!principal) return reply(res, 401, { error: { code: "auth.token_invalid" } });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return reply(res, 413, { error: { code: "request.too_large" } });
    chunks.push(chunk as Buffer);
  }
  let params: MinimalRun["params"];
  try {
    params = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { params: MinimalRun["params"] }).params;
  } catch {
    return reply(res, 400, { error: { code: "request.invalid_json" } });
  }
  // The same bounds as the bench workspace's zod schema (bench/workspace.ts).
  if (
    typeof params?.accountId !== "string" ||
    params.accountId.length < 3 ||
    params.accountId.length > 40 ||
    !Number.isInteger(params.amountCents) ||
    params.amountCents < 1 ||
    params.amountCents > 1_000_000
  )
    return reply(res, 422, { error: { code: "request.invalid" } });
  const key = req.headers["idempotency-key"];
  if (typeof key !== "string" || key.length === 0 || key.length > 255)
    return reply(res, 422, { error: { code: "idempotency.key_invalid" } });
  const action = route[1]!;
  const paramsJson = JSON.stringify({ accountId: params.accountId, amountCents: params.amountCents });
  const run: MinimalRun = {
    principal,
    action,
    params,
    paramsJson,
    paramsHash: createHash("sha256").update(action).update("\0").update(paramsJson).digest("hex"),
    idempotencyKey: key,
    runId: `run_${randomUUID()}`,
    requestId: `req_${randomUUID()}`,
    clientIp: req.socket.remoteAddress ?? null,
    userAgent: req.headers["user-agent"] ?? null,
  };
  const times = await handle(run);
  if (!times) return reply(res, 409, { error: { code: "idempotency.key_reused" } });
  const self = `/api/v1/runs/${run.runId}`;
  reply(
    res,
    200,
    {
      id: run.runId,
      action,
      actionVersion: "bench",
      status: "succeeded",
      actorId: principal.id,
      onBehalfOf: null,
      channel: "api",
      target: { type: "account", id: params.accountId },
      params,
      reason: null,
      result: { ok: true },
      error: null,
      requestId: run.requestId,
      executionRequestId: null,
      parentRequestId: null,
      idempotencyKey: key,
      approvalRequestId: null,
      attempt: 1,
      createdAt: times.createdAt,
      queuedAt: null,
      startedAt: times.startedAt,
      finishedAt: times.finishedAt,
      links: { self },
    },
    { location: self, "x-request-id": run.requestId },
  );
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
