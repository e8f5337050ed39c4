// An action's `limits` as its author wrote them → whole numbers or null (no limit), checked at
// start so a typo stops the start with the action's name instead of never limiting anything.
import type { ActionLimits } from "../sdk/define-action.ts";

export interface CompiledLimits {
  /** Runs of the action executing at once, across every process; null: no limit. */
  concurrency: number | null;
  /** Runs admitted in any 60 s, everyone's together. */
  perMinute: number | null;
  /** Runs admitted in any 60 s for one actor. */
  perActor: number | null;
}

export const NO_LIMITS: CompiledLimits = Object.freeze({
  concurrency: null,
  perMinute: null,
  perActor: null,
});

const KEYS = ["concurrency", "perMinute", "perActor"] as const;
// Slots are advisory locks tried one by one; a concurrency in the thousands is not a limit.
const MAX: Record<(typeof KEYS)[number], number> = {
  concurrency: 100,
  perMinute: 100_000,
  perActor: 100_000,
};

export function compileLimits(
  limits: ActionLimits | undefined,
  where: string,
  problems: string[],
): CompiledLimits {
  if (limits === undefined) return NO_LIMITS;
  if (limits === null || typeof limits !== "object") {
    problems.push(`${where}: limits must be an object like { concurrency: 2, perMinute: 60 }.`);
    return NO_LIMITS;
  }
  for (const key of Object.keys(limits)) {
    if (!(KEYS as readonly string[]).includes(key))
      problems.push(`${where}: limits.${key} is not a limit (concurrency, perMinute, perActor).`);
  }
  const compiled: Record<string, number | null> = {};
  for (const key of KEYS) {
    const value = limits[key];
    if (value === undefined) {
      compiled[key] = null;
      continue;
    }
    if (!Number.isInteger(value) || value < 1 || value > MAX[key]) {
      problems.push(
        `${where}: limits.${key} must be a whole number from 1 to ${MAX[key]}, got ${JSON.stringify(value)}.`,
      );
      compiled[key] = null;
      continue;
    }
    compiled[key] = value;
  }
  return compiled as unknown as CompiledLimits;
}
