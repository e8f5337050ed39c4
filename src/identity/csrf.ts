// CSRF protection for cookie-authenticated requests (OWASP ASVS 5, 3.5). Two independent checks
// on every state-changing request that rides on a session cookie:
//
// 1. Synchronizer token: the `X-CSRF-Token` header must equal the token stored with the session
//    (returned at sign-in and by GET /api/v1/me). Another site can make the browser send the
//    cookie, but cannot read the token, and cannot set a custom header without a CORS preflight
//    that Airlock never grants.
// 2. Origin: when the browser names the page's origin (`Origin`), it must be Airlock's own.
//    Defence in depth for a token leaked into a page of another origin.
//
// Bearer-token requests are exempt: a browser never attaches an Authorization header by itself.
import { createHash, timingSafeEqual } from "node:crypto";
import { AirlockError } from "../errors/airlock-error.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** POST, PUT, PATCH, DELETE — and anything unknown or missing (fail closed). */
export function isStateChanging(method: string | undefined): boolean {
  return method === undefined || !SAFE.has(method.toUpperCase());
}

/** A cross-origin Origin header (or the opaque `null` origin) is refused; an absent one is not. */
export function originAllowed(origin: string | null | undefined, expected: string | null): boolean {
  if (origin === null || origin === undefined || origin === "") return true;
  if (expected === null) return false;
  return origin === expected;
}

/** Constant-time comparison (digests first, so unequal lengths take the same time). */
export function tokensEqual(sent: string | null | undefined, expected: string): boolean {
  if (!sent) return false;
  const a = createHash("sha256").update(sent).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export function checkCsrf(
  request: { method?: string; csrf?: string | null; origin?: string | null },
  expectedOrigin: string | null,
  sessionToken: string,
): AirlockError | null {
  if (!isStateChanging(request.method)) return null;
  if (!originAllowed(request.origin, expectedOrigin))
    return new AirlockError("auth.csrf_failed", "Cross-origin requests may not change anything.");
  if (!tokensEqual(request.csrf, sessionToken)) return new AirlockError("auth.csrf_failed");
  return null;
}
