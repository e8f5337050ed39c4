// The target's current state, for a reviewer: the action's own `describe(target, { db })`, run
// read-only. It runs in a READ ONLY transaction with a short statement timeout and an overall time
// limit, so a slow or broken describe can neither change anything nor hold a connection; any
// failure is shown to the reviewer as "unavailable", never as an error of the page.
import type pg from "pg";
import type { Log } from "../observe/logger.ts";
import { scrubDeep } from "../pii/mask.ts";
import type { ActionDatabase, Target } from "../sdk/define-action.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";

export type TargetState = { available: true; state: unknown } | { available: false; reason: string };

const STATEMENT_TIMEOUT_MS = 2_000;
const TOTAL_TIMEOUT_MS = 3_000;

export async function describeTarget(
  pool: pg.Pool,
  log: Log,
  action: CompiledAction,
  target: Target | null,
): Promise<TargetState | null> {
  const describe = action.definition.describe;
  if (!describe) return null;
  if (!target) return { available: false, reason: "This run has no target." };
  const client = await pool.connect();
  let open = true;
  let broken = false;
  const db: ActionDatabase = {
    async query<R>(text: string, values?: readonly unknown[]) {
      if (!open) throw new Error("describe is over; this database handle is closed");
      const result = await client.query(text, values as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
    const state = await Promise.race([
      Promise.resolve().then(() => describe(target, { db })),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("describe timed out")), TOTAL_TIMEOUT_MS);
      }),
    ]);
    // Free-form data: catch anything that looks like a card number, SSN or email.
    return { available: true, state: scrubDeep(state ?? null) };
  } catch (error) {
    log.warn({ err: error, action: action.name }, "describe(target) failed; shown as unavailable");
    return { available: false, reason: "The target's current state could not be loaded." };
  } finally {
    clearTimeout(timer);
    open = false;
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    client.release(broken);
  }
}
