const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** A duration written as `"30s"`, `"15m"`, `"24h"`, `"7d"`, or a number of milliseconds. */
export type Duration = `${number}${keyof typeof UNIT_MS}` | number;

export function durationMs(value: Duration): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`not a positive duration: ${value}`);
    return value;
  }
  const match = PATTERN.exec(value);
  if (!match) throw new TypeError(`not a duration (use e.g. "30s", "15m", "24h"): ${value}`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0) throw new TypeError(`not a positive duration: ${value}`);
  return ms;
}
