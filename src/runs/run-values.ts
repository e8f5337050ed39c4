// A run's parameters and result at rest. The row keeps them with every PII-classified field
// masked; when a field is classified, the raw value as a whole is sealed beside it (envelope
// encryption under the master key, bound to the run and the column: `airlock.runs:<id>:params`),
// so the database, its backups and its replicas hold no raw card number. Only two readers open
// the envelope: the executor, which runs a queued or approved run with its real parameters, and
// the audited reveal. Without a master key the raw values are not kept at all (masked only).
import { EnvelopeError, open, seal } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { type ClassifiedField, maskFields } from "../pii/mask.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { RunRow } from "./run-store.ts";

export type RunSection = "params" | "result";

/** What writing a run's values needs: the action's classification and the master keys. */
export interface RunSealing {
  action: Pick<CompiledAction, "piiParams" | "piiOutput">;
  keyring: Keyring | null;
}

export interface StoredValue {
  /** What the row's column holds: classified fields masked. */
  stored: unknown;
  /** The raw value, encrypted; null when nothing is classified (or there is no master key). */
  sealed: Buffer | null;
}

export function runValueContext(runId: string, section: RunSection): string {
  return `airlock.runs:${runId}:${section}`;
}

function fieldsOf(action: RunSealing["action"], section: RunSection): readonly ClassifiedField[] {
  return section === "params" ? action.piiParams : action.piiOutput;
}

export function storedValue(
  sealing: RunSealing,
  runId: string,
  section: RunSection,
  value: unknown,
): StoredValue {
  return sealClassified(
    fieldsOf(sealing.action, section),
    sealing.keyring,
    runValueContext(runId, section),
    value,
  );
}

/**
 * A value with its classified fields masked, and the raw value sealed for the record named by
 * `context` when there is a classified field in it. Runs use it through `storedValue`; a bulk
 * batch's items keep their parameters the same way until they run (bulk/bulk-item-values.ts).
 */
export function sealClassified(
  fields: readonly ClassifiedField[],
  keyring: Keyring | null,
  context: string,
  value: unknown,
): StoredValue {
  if (value === null || value === undefined || fields.length === 0) return { stored: value, sealed: null };
  const stored = maskFields(value, fields);
  // maskFields shares untouched branches: the same reference means no classified field is there.
  if (stored === value) return { stored: value, sealed: null };
  const sealed = keyring ? seal(keyring, JSON.stringify(value), context) : null;
  return { stored, sealed };
}

/** The raw value sealed by `sealClassified` for `context`; throws EnvelopeError if it does not open. */
export function openClassified(keyring: Keyring, sealed: Buffer, context: string): unknown {
  return JSON.parse(open(keyring, sealed, context).toString("utf8"));
}

/** True when a run waiting to be executed would need raw values that cannot be kept. */
export function cannotKeep(sealing: RunSealing, params: unknown): boolean {
  return sealing.keyring === null && storedValue(sealing, "run", "params", params).stored !== params;
}

type SealedRow = Pick<
  RunRow,
  "id" | "params" | "result" | "params_sealed" | "result_sealed" | "values_masked" | "pii_purged_at"
>;

/**
 * The raw parameters or result of a run, or undefined when they are no longer kept (retention
 * over, or stored without a master key). Throws `pii.unreadable` if the envelope does not open.
 */
export function rawRunValue(keyring: Keyring | null, run: SealedRow, section: RunSection): unknown {
  if (run.pii_purged_at) return undefined;
  const column = section === "params" ? run.params : run.result;
  // Written before encryption at rest and not sealed yet: the column holds the raw value.
  if (!run.values_masked) return column;
  const sealed = section === "params" ? run.params_sealed : run.result_sealed;
  if (!sealed) return column === null || column === undefined ? column : undefined;
  if (!keyring) throw unreadable(run.id, "this server has no master key");
  try {
    return openClassified(keyring, sealed, runValueContext(run.id, section));
  } catch (error) {
    if (error instanceof EnvelopeError) throw unreadable(run.id, error.message, error.keyId);
    throw error;
  }
}

/**
 * The parameters a run executes with (and whose hash its approval binds): the raw ones. A row
 * with nothing classified has no envelope, and its column is what was submitted.
 */
export function executionParams(keyring: Keyring | null, run: SealedRow): unknown {
  if (run.values_masked && !run.params_sealed) return run.params;
  const raw = rawRunValue(keyring, run, "params");
  if (raw === undefined) throw unreadable(run.id, "its classified parameters are no longer kept");
  return raw;
}

function unreadable(runId: string, why: string, keyId: string | null = null): AirlockError {
  return new AirlockError(
    "pii.unreadable",
    `The classified values of run ${runId} cannot be decrypted: ${why}.`,
    keyId ? { runId, keyId } : { runId },
  );
}
