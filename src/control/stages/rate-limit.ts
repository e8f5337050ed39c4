import { admitRun, rateLimited, refuseOverLimit } from "../limits.ts";
import type { Gated, Next, Outcome } from "../pipeline-context.ts";

/**
 * After the approval policies: the action's rates (`limits.perMinute`, `limits.perActor`),
 * shared by every process on the database. A replayed request costs no place in the window (it
 * runs nothing); before the run's transaction, so the window's lock is
 * held for a few statements, never for a handler. A refusal is audited (`run.rate_limited`) and
 * nothing of the run is kept.
 */
export async function rateLimit(ctx: Gated, next: Next<Gated>): Promise<Outcome> {
  const { action, deps, principal, request } = ctx;
  if (action.limits.perMinute === null && action.limits.perActor === null) return await next(ctx);
  // `whenFull: "queue"`: the run is accepted and queued; its worker takes its place in the window
  // when it executes (control/executor.ts), so nothing is refused here.
  if (action.limits.whenFull === "queue") return await next(ctx);
  // A key already stored is a replay (or a mismatch): `idempotency` answers it, nothing runs, so
  // admitRun lets it through without taking a place (checked in the same statement).
  const verdict = await admitRun(
    deps.pool,
    action.name,
    principal.id,
    action.limits,
    request.idempotencyKey !== null ? ctx.idempotencyKey : null,
  );
  if (verdict.admitted) return await next(ctx);
  return await refuseOverLimit(
    ctx,
    rateLimited(action.name, verdict.limit, verdict.max, verdict.retryAfterSeconds),
  );
}
