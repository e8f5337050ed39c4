// Keeping a run's sealed values current (runs/run-values.ts): re-wrapping their data keys when
// the master key rotates, and sealing the raw values of rows written before encryption at rest
// (the maintenance sweep), in batches. Writes go through the run lifecycle.
import { EnvelopeError, rewrap } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { replaceRunEnvelopes, sealRawRunValues } from "./run-lifecycle.ts";
import type { RunRow } from "./run-store.ts";
import { runValueContext } from "./run-values.ts";

const BATCH = 500;

/** Re-wraps every run envelope not under the current key; names the runs no held key opens. */
export async function rewrapRunEnvelopes(
  db: Queryable,
  keyring: Keyring,
): Promise<{ rewrapped: number; unreadable: string[] }> {
  const current = Buffer.from(keyring.current.id, "hex");
  let rewrapped = 0;
  const unreadable: string[] = [];
  let after = "";
  for (;;) {
    // The key id sits at bytes 2..9 of an envelope (crypto/envelope.ts).
    const batch = await db.query<Pick<RunRow, "id" | "params_sealed" | "result_sealed">>(
      `SELECT id, params_sealed, result_sealed FROM airlock.runs
        WHERE id > $2 AND (substring(params_sealed from 2 for 8) <> $1 OR substring(result_sealed from 2 for 8) <> $1)
        ORDER BY id LIMIT ${BATCH}`,
      [current, after],
    );
    for (const run of batch.rows) {
      after = run.id;
      try {
        const params = run.params_sealed
          ? (rewrap(keyring, run.params_sealed, runValueContext(run.id, "params")) ?? run.params_sealed)
          : null;
        const result = run.result_sealed
          ? (rewrap(keyring, run.result_sealed, runValueContext(run.id, "result")) ?? run.result_sealed)
          : null;
        const before = { params: run.params_sealed, result: run.result_sealed };
        if (await replaceRunEnvelopes(db, run.id, before, { params, result })) rewrapped++;
      } catch (error) {
        if (!(error instanceof EnvelopeError)) throw error;
        unreadable.push(run.id);
      }
    }
    if (batch.rows.length < BATCH) return { rewrapped, unreadable };
  }
}

/** Seals the raw values of runs written before encryption at rest. Returns how many it sealed. */
export async function sealRawRuns(
  db: Queryable,
  workspace: CompiledWorkspace,
  keyring: Keyring,
): Promise<number> {
  let sealed = 0;
  let after = "";
  for (;;) {
    const batch = await db.query<Pick<RunRow, "id" | "action" | "params" | "result">>(
      `SELECT id, action, params, result FROM airlock.runs
        WHERE values_masked = false AND pii_purged_at IS NULL AND id > $1 ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    for (const run of batch.rows) {
      after = run.id;
      const action = workspace.actions.get(run.action);
      // A retired action's classification is unknown: retention masks its values (pii-retention.ts).
      if (!action) continue;
      if (await sealRawRunValues(db, { action, keyring }, run)) sealed++;
    }
    if (batch.rows.length < BATCH) return sealed;
  }
}
