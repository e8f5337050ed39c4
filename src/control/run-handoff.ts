// A queued run's row, handed by the submit that created it to this process's executor: the job's
// first delivery here then starts the run without reading it back (a round trip and a statement
// to plan, per queued run). The row is the one its transaction committed. What may have changed
// since (a cancel) is caught by the start itself, which moves the run only from `queued`.
// A row whose job another process took is never asked for: it leaves by age or by count.
import type { RunRow } from "../runs/run-store.ts";

export interface RunHandoff {
  /** The run as its creating transaction committed it; call before waking the workers. */
  give(run: RunRow): void;
  /** The row given for the run, once; null if none (or it is gone). */
  take(runId: string): RunRow | null;
}

export function createRunHandoff(options: { maxAgeMs?: number; maxRows?: number } = {}): RunHandoff {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const maxRows = options.maxRows ?? 10_000;
  // In the order given: the oldest first, so pruning stops at the first young one.
  const rows = new Map<string, { run: RunRow; at: number }>();
  const prune = (now: number) => {
    for (const [id, entry] of rows) {
      if (rows.size <= maxRows && now - entry.at < maxAgeMs) break;
      rows.delete(id);
    }
  };
  return {
    give(run) {
      const now = Date.now();
      prune(now);
      rows.set(run.id, { run, at: now });
    },
    take(runId) {
      const entry = rows.get(runId);
      if (!entry) return null;
      rows.delete(runId);
      return Date.now() - entry.at < maxAgeMs ? entry.run : null;
    },
  };
}
