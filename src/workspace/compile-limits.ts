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
  /** Over a rate: refused (429), or kept queued until the window has room. */
  whenFull: "refuse" | "queue";
}

export const NO_LIMITS: CompiledLimits = Object.freeze({
  concurrency: null,
  perMinute: null,
  perActor: null,
  whenFull: "refuse",
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
  execution: "queued" | "inline" = "queued",
): CompiledLimits {
  if (limits === undefined) return NO_LIMITS;
  if (limits === null || typeof limits !== "object") {
    problems.push(`${where}: limits must be an object like { concurrency: 2, perMinute: 60 }.`);
    return NO_LIMITS;
  }
  for (const key of Object.keys(limits)) {
    if (!(KEYS as readonly string[]).includes(key) && key !== "whenFull")
      problems.push(`${where}: limits.${key} is not a limit (concurrency, perMinute, perActor, whenFull).`);
  }
  const compiled: Record<string, number | null | string> = { whenFull: "refuse" };
  if (limits.whenFull !== undefined) {
    if (limits.whenFull !== "refuse" && limits.whenFull !== "queue")
      problems.push(
        `${where}: limits.whenFull must be "refuse" or "queue", got ${JSON.stringify(limits.whenFull)}.`,
      );
    else if (limits.whenFull === "queue" && execution === "inline")
      // An inline run answers within its request; there is no queue for it to wait in.
      problems.push(
        `${where}: limits.whenFull "queue" needs execution: "queued" (an inline run cannot wait).`,
      );
    else compiled.whenFull = limits.whenFull;
  }
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
