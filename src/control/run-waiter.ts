// Lets a submit wait for its queued run to finish. When the run executes in this process (the
// usual case with the in-process worker) the executor signals completion directly. When another
// process runs it, we poll the run's status with a backoff. We do not NOTIFY per run: NOTIFY
// takes a cluster-wide lock at commit and would serialize every run's final transaction.
import type pg from "pg";
import { isFinal, type RunStatus } from "../runs/run-status.ts";
import type { RunRow } from "../runs/run-store.ts";

export interface RunWaiter {
  /**
   * Resolves true when the run reached a final status within `timeoutMs`. Call it before the
   * worker can finish (before `engine.wake`); it registers synchronously.
   */
  wait(runId: string, timeoutMs: number, options?: { firstPollMs?: number }): Promise<Waited>;
  /** Called by the local executor after the run's final state committed, with the run as it ended if it has it. */
  finished(runId: string, run?: RunRow | null): void;
  close(): void;
}

/** Whether the run finished in time, and the run as it ended when the executor that ended it handed it over. */
export interface Waited {
  finished: boolean;
  run: RunRow | null;
}

export function createRunWaiter(pool: Pick<pg.Pool, "query">): RunWaiter {
  const waiting = new Map<string, Set<(run: RunRow | null) => void>>();
  let closed = false;

  async function isFinished(runId: string): Promise<boolean> {
    const result = await pool.query<{ status: RunStatus }>("SELECT status FROM airlock.runs WHERE id = $1", [
      runId,
    ]);
    const status = result.rows[0]?.status;
    return status !== undefined && isFinal(status);
  }

  return {
    finished(runId, run = null) {
      const set = waiting.get(runId);
      if (!set) return;
      waiting.delete(runId);
      for (const resolve of set) resolve(run);
    },
    close() {
      closed = true;
      for (const set of waiting.values()) for (const resolve of set) resolve(null);
      waiting.clear();
    },
    async wait(runId, timeoutMs, options = {}) {
      if (timeoutMs <= 0 || closed) return { finished: false, run: null };
      let signalled = false;
      let ended: RunRow | null = null;
      let wake: () => void = () => {};
      const signal = (run: RunRow | null) => {
        signalled = true;
        ended = run;
        wake();
      };
      const set = waiting.get(runId) ?? new Set();
      set.add(signal);
      waiting.set(runId, set);
      const deadline = Date.now() + timeoutMs;
      let pollEvery = options.firstPollMs ?? 25;
      try {
        // Registration above happens synchronously on call: call wait() before waking the
        // worker and no completion can slip past. Polling covers runs executed elsewhere.
        while (!signalled && !closed) {
          const left = deadline - Date.now();
          if (left <= 0) return { finished: false, run: null };
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(pollEvery, left)).unref();
          });
          if (signalled) return { finished: true, run: ended };
          if (await isFinished(runId)) return { finished: true, run: null };
          pollEvery = Math.min(pollEvery * 2, 250);
        }
        return { finished: signalled, run: ended };
      } finally {
        set.delete(signal);
        if (set.size === 0 && waiting.get(runId) === set) waiting.delete(runId);
      }
    },
  };
}
