// Every refusal leaves as the one envelope `{ error: { code, message, requestId, details? } }`
// with X-Request-Id set. Unknown exceptions become `internal`: logged with their stack on our
// side, never shown to the client.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ErrorCode } from "../errors/catalogue.ts";
import { isConnectionLoss } from "../store/connection-loss.ts";
import type { AppEnv } from "./app-env.ts";

export function errorResponse(c: Context<AppEnv>, error: AirlockError): Response {
  const requestId = c.get("requestId");
  c.header("X-Request-Id", requestId);
  // A refusal that says when to come back (a rate limit, a locked sign-in) says it to HTTP too.
  const retryAfter = error.details?.retryAfterSeconds;
  if (error.status === 429 && typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  return c.json(error.toBody(requestId), error.status as ContentfulStatusCode);
}

export function refuse(
  c: Context<AppEnv>,
  code: ErrorCode,
  message?: string,
  details?: Record<string, unknown>,
): Response {
  return errorResponse(c, new AirlockError(code, message, details));
}

export function unexpectedErrorResponse(c: Context<AppEnv>, error: unknown): Response {
  if (error instanceof AirlockError) return errorResponse(c, error);
  // The database out of reach (restarting, failing over) is not a bug of ours: the client may
  // retry, with the same idempotency key, and gets exactly one effect (test/reliability).
  if (isConnectionLoss(error)) {
    c.get("log")?.warn({ err: error }, "database unavailable");
    return refuse(c, "service.unavailable");
  }
  c.get("log")?.error({ err: error }, "unhandled error");
  return refuse(c, "internal");
}
