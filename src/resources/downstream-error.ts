// A failure of a system an action called, as the operator sees it: `downstream.timeout`,
// `downstream.unavailable`, `downstream.rejected` (with the status and a trimmed, PII-masked body)
// or `downstream.blocked` (the SSRF guard). When the call may have taken effect — the request
// reached the other side and no answer says it did not — the details say `outcomeUnknown` and
// carry the idempotency key the call was sent with: retrying with that key is safe, retrying
// without it may do the thing twice.
import { AirlockError } from "../errors/airlock-error.ts";
import { OutboundError } from "../outbound/outbound-client.ts";
import { scrubText } from "../pii/mask.ts";

const BODY_LIMIT = 500;

export interface DownstreamCall {
  resource: string;
  method: string;
  /** Path and query, without the base URL's origin. */
  path: string;
  /** The key sent as Idempotency-Key (non-GET), or null. */
  idempotencyKey: string | null;
  /** Secret values that must never appear in an error (a downstream may echo a header). */
  secrets: readonly string[];
}

/** Remove secrets, then mask PII, then trim: what is left may be stored and shown. */
export function safeExcerpt(text: string, secrets: readonly string[], limit = BODY_LIMIT): string {
  let clean = text;
  for (const secret of secrets) if (secret.length >= 4) clean = clean.split(secret).join("[secret]");
  clean = scrubText(clean);
  return clean.length > limit ? `${clean.slice(0, limit)}… (${clean.length - limit} more characters)` : clean;
}

function where(call: DownstreamCall): Record<string, unknown> {
  return { resource: call.resource, method: call.method, path: call.path };
}

function unknownOutcome(call: DownstreamCall): Record<string, unknown> {
  return call.idempotencyKey === null
    ? { outcomeUnknown: true }
    : { outcomeUnknown: true, idempotencyKey: call.idempotencyKey };
}

/** An error thrown by the outbound client, as a downstream.* error. */
export function outboundFailure(error: OutboundError, call: DownstreamCall): AirlockError {
  const mayHaveTakenEffect = error.mayHaveTakenEffect && call.method !== "GET" && call.method !== "HEAD";
  const details = {
    ...where(call),
    reason: safeExcerpt(error.message, call.secrets),
    ...(mayHaveTakenEffect ? unknownOutcome(call) : {}),
  };
  if (error.kind === "refused") {
    return new AirlockError(
      "downstream.blocked",
      `${call.resource}: the address is not allowed (${safeExcerpt(error.message, call.secrets, 200)}).`,
      details,
    );
  }
  if (error.kind === "timeout") {
    return new AirlockError(
      "downstream.timeout",
      `${call.resource} did not answer in time${mayHaveTakenEffect ? "; the request may have taken effect — retry with the same idempotency key" : ""}.`,
      details,
    );
  }
  return new AirlockError(
    "downstream.unavailable",
    `${call.resource} is unavailable (${safeExcerpt(error.message, call.secrets, 200)})${mayHaveTakenEffect ? "; the request may have taken effect — retry with the same idempotency key" : ""}.`,
    details,
  );
}

/**
 * A non-accepted status. 4xx: the downstream refused the request (nothing happened there).
 * 429 and 5xx: it is unavailable; after a non-GET a 5xx may hide a partial effect, so the outcome
 * is unknown (a 429 or 503 says it did not act, but the retry is the same either way).
 */
export function statusFailure(status: number, body: string, call: DownstreamCall): AirlockError {
  const excerpt = safeExcerpt(body, call.secrets);
  if (status === 429 || status >= 500) {
    const mayHaveTakenEffect =
      status >= 500 && status !== 503 && call.method !== "GET" && call.method !== "HEAD";
    return new AirlockError(
      "downstream.unavailable",
      `${call.resource} answered ${status}${mayHaveTakenEffect ? "; the request may have taken effect — retry with the same idempotency key" : ""}.`,
      { ...where(call), status, body: excerpt, ...(mayHaveTakenEffect ? unknownOutcome(call) : {}) },
    );
  }
  return new AirlockError("downstream.rejected", `${call.resource} refused the request (${status}).`, {
    ...where(call),
    status,
    body: excerpt,
  });
}

/** Whether an error is a downstream failure whose outcome is unknown. */
export function outcomeUnknown(error: unknown): boolean {
  return error instanceof AirlockError && error.details?.outcomeUnknown === true;
}

export { OutboundError };
