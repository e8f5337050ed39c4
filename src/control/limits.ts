// Per-action limits, enforced in PostgreSQL so that every Airlock process on the database shares
// them: a limit kept in one process's memory is N times the limit with N processes.
//
// Rates (`perMinute`, `perActor`) are a sliding window of admissions (migration 0021): counted
// and extended in one statement under a transaction-scoped advisory lock per action (migration
// 0175), so two processes admitting at once are serialized inside PostgreSQL for microseconds and
// never both take the last place.
// Concurrency is a set of slots, one advisory lock each (key: the action's hash, slot number),
// taken by the transaction that executes the run: a finished, failed or crashed run's
// transaction ends and its slot is free again — no counter to leak.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledLimits } from "../workspace/compile-limits.ts";
import { type Gated, type Refused, refuse } from "./pipeline-context.ts";

export const WINDOW_SECONDS = 60;

export type RateVerdict =
  | { admitted: true }
  | { admitted: false; limit: "perMinute" | "perActor"; max: number; retryAfterSeconds: number };

/**
 * Admit one run of `action` for `actorId` against the action's rates, or say which rate is full
 * and when a place frees up. An admitted run counts whether or not it then succeeds.
 */
export async function admitRun(
  pool: pg.Pool,
  action: string,
  actorId: string,
  limits: CompiledLimits,
  /** The request's idempotency key, if any: a key already stored is a replay and takes no place. */
  idempotencyKey: string | null = null,
): Promise<RateVerdict> {
  if (limits.perMinute === null && limits.perActor === null) return { admitted: true };
  // One statement (migration 0175): the action's lock, the window as of after the lock was
  // granted, and the new admission, committed together; the lock is never held across a round trip.
  const { rows } = await pool.query<{ admitted: boolean; rate: string | null; retry_after: number | null }>({
    name: "airlock.admit_run",
    text: "SELECT admitted, rate, retry_after FROM airlock.admit_run($1, $2, $3, $4, $5, $6)",
    values: [action, actorId, limits.perMinute, limits.perActor, WINDOW_SECONDS, idempotencyKey],
  });
  const row = rows[0]!;
  if (row.admitted) return { admitted: true };
  const limit = row.rate === "perActor" ? "perActor" : "perMinute";
  return {
    admitted: false,
    limit,
    max: (limit === "perActor" ? limits.perActor : limits.perMinute) ?? 0,
    retryAfterSeconds: seconds(row.retry_after),
  };
}

function seconds(remaining: number | null): number {
  return Math.max(1, Math.ceil(remaining ?? 1));
}

/**
 * Take one of the action's `concurrency` slots for the transaction open on `tx` (held until it
 * commits or rolls back). The slot number, or null when every slot is taken. Slots are tried one
 * statement each: a single `… WHERE pg_try_advisory_xact_lock(…) LIMIT 1` could lock more rows
 * than it returns, as PostgreSQL's documentation warns.
 */
export async function takeSlot(tx: Queryable, action: string, concurrency: number): Promise<number | null> {
  for (let slot = 0; slot < concurrency; slot++) {
    const { rows } = await tx.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_xact_lock(hashtext('airlock.slots:' || $1::text), $2) AS ok",
      [action, slot],
    );
    if (rows[0]?.ok) return slot;
  }
  return null;
}

const LIMIT_WORDS = {
  perMinute: (max: number) => `${max} run${max === 1 ? "" : "s"} a minute`,
  perActor: (max: number) => `${max} run${max === 1 ? "" : "s"} a minute per person`,
  concurrency: (max: number) => `${max} run${max === 1 ? "" : "s"} at once`,
};

/** The refusal a person reads: which limit, its value, and when to try again. */
export function rateLimited(
  action: string,
  limit: "perMinute" | "perActor" | "concurrency",
  max: number,
  retryAfterSeconds: number,
): AirlockError {
  const when = limit === "concurrency" ? "when one finishes" : `in ${retryAfterSeconds} s`;
  const message =
    limit === "concurrency"
      ? `${action} allows ${LIMIT_WORDS.concurrency(max)} and all are running; try again ${when}.`
      : limit === "perActor"
        ? `${action} allows ${LIMIT_WORDS.perActor(max)} and you have reached it; try again ${when}.`
        : `${action} allows ${LIMIT_WORDS.perMinute(max)} and that is reached; try again ${when}.`;
  return new AirlockError("request.rate_limited", message, { limit, max, retryAfterSeconds });
}

/** End the run with `error`, audited as `run.rate_limited` (outcome denied); nothing else is kept. */
export async function refuseOverLimit(ctx: Gated, error: AirlockError): Promise<Refused> {
  const { action, deps, principal, request } = ctx;
  await appendAudit(deps.pool, [
    {
      type: "run.rate_limited",
      outcome: "denied",
      actorId: principal.id,
      actorKind: principal.kind,
      action: action.name,
      actionVersion: action.version,
      requestId: ctx.requestId,
      errorCode: "request.rate_limited",
      data: { ...(error.details ?? {}), channel: request.channel },
      clientIp: request.client.clientIp,
      userAgent: request.client.userAgent,
    },
  ]);
  return refuse(ctx, error);
}
