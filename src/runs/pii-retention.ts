// Data minimization: once a run is over and its retention period has passed, replace its raw
// parameters and result with their masked form. Reveals then answer `pii.not_available`.
import type pg from "pg";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { maskedParams, maskedResult } from "./run-audit.ts";
import { purgeRunPii } from "./run-lifecycle.ts";

const BATCH = 500;

export async function purgeExpiredPii(
  pool: pg.Pool,
  workspace: CompiledWorkspace,
  retentionDays: number,
): Promise<number> {
  let purged = 0;
  for (;;) {
    const batch = await pool.query<{ id: string; action: string; params: unknown; result: unknown }>(
      `SELECT id, action, params, result FROM airlock.runs
        WHERE pii_purged_at IS NULL AND finished_at IS NOT NULL AND finished_at < now() - make_interval(days => $1)
        ORDER BY finished_at LIMIT ${BATCH}`,
      [retentionDays],
    );
    if (batch.rowCount === 0) return purged;
    for (const run of batch.rows) {
      const action = workspace.actions.get(run.action);
      // A retired action's classification is unknown: drop the values rather than guess.
      const params = action ? maskedParams(action, run.params) : {};
      const result = run.result === null ? null : action ? maskedResult(action, run.result) : null;
      await purgeRunPii(pool, run.id, params, result);
      purged++;
    }
    if ((batch.rowCount ?? 0) < BATCH) return purged;
  }
}
