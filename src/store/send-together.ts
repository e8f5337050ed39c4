// Several statements on one pipelined connection in one socket write. pg writes each query with
// its own cork/uncork, so N pipelined queries still cost N write syscalls; under a sandboxed
// network stack a write is the most expensive thing a governed action does (docs/benchmarks.md).
// Corking around the calls that issue the queries makes the nested uncorks no-ops and the outer
// one flush everything at once.
import type pg from "pg";

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Calls `issue` (which must start its queries synchronously, e.g. `async` functions that call
 * `client.query` before their first `await`) with the connection's socket corked.
 */
export function sendTogether<T>(client: pg.ClientBase, issue: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
  const corkable = typeof stream?.cork === "function" && typeof stream.uncork === "function";
  if (corkable) stream.cork!();
  try {
    return issue();
  } finally {
    if (corkable) stream.uncork!();
  }
}

/**
 * Corks the connection's socket until `release` is called: for statements issued over several
 * microtasks (a library that awaits before it sends), which must still share one socket write.
 * `release` is idempotent; call it in a `finally`.
 */
export function holdWrites(client: pg.ClientBase): () => void {
  const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
  if (typeof stream?.cork !== "function" || typeof stream.uncork !== "function") return () => {};
  stream.cork();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    stream.uncork!();
  };
}
