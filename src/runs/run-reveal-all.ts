// Revealing every masked personal field of a run at once: the subject access request (GDPR art.
// 15), where a compliance officer hands a customer everything held about them. One reason, one
// audit event naming the fields (never the values), and the unmasked parameters and result
// returned once. Nothing is kept: no row, no file, no cache — the package a person downloads is
// built in their browser from this one answer.
//
// All or nothing, deny by default: the caller needs `reveal:<class>` for every class the run holds
// a value of. Revealing only the classes one may would hand over a package that looks complete
// and is not, so a missing grant refuses the whole reveal and names what is missing.
import type { ClientInfo } from "../audit/audit-event.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { type ClassifiedField, countAt, type FieldPath, scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { auditReveal, auditRevealProbe } from "./reveal-audit.ts";
import { canSeeRunOf } from "./run-access.ts";
import { MIN_REASON } from "./run-reveal.ts";
import { getRun, type RunRow } from "./run-store.ts";
import { type RunSection, rawRunValue } from "./run-values.ts";

export interface RevealAllRequest {
  principal: Principal;
  runId: string;
  reason: string;
  requestId: string;
  client: ClientInfo;
}

/** A classified field that held values in this run: `["result", "rows", "*", "email"]`. */
export interface RevealedField {
  path: FieldPath;
  piiClass: string;
  /** How many values it held (one per array item under a `*`). */
  values: number;
}

export interface RevealedRun {
  runId: string;
  action: string;
  actionVersion: string;
  revealedAt: Date;
  params: unknown;
  result: unknown;
  fields: RevealedField[];
}

/** The classified fields holding a value in the run, read from the masked row (no decryption). */
function fieldsHeld(
  run: RunRow,
  action: { piiParams: readonly ClassifiedField[]; piiOutput: readonly ClassifiedField[] },
) {
  const held: RevealedField[] = [];
  const sections: [RunSection, readonly ClassifiedField[], unknown][] = [
    ["params", action.piiParams, run.params],
    ["result", action.piiOutput, run.result],
  ];
  for (const [section, fields, masked] of sections) {
    for (const field of fields) {
      const values = countAt(masked, field.path);
      if (values > 0) held.push({ path: [section, ...field.path], piiClass: field.piiClass, values });
    }
  }
  return held;
}

export async function revealAllOfRun(
  db: Queryable,
  deps: { authorizer: Authorizer; workspace: CompiledWorkspace; keyring: Keyring | null },
  request: RevealAllRequest,
): Promise<RevealedRun> {
  const reason = scrubText(request.reason.trim());
  const run = await getRun(db, request.runId);
  if (!run || !(await canSeeRunOf(deps.authorizer, deps.workspace, request.principal, run))) {
    await auditRevealProbe(db, request, run, { scope: "all", requestedRunId: request.runId.slice(0, 64) });
    throw new AirlockError("run.not_found");
  }
  const action = deps.workspace.actions.get(run.action);
  const fields = action ? fieldsHeld(run, action) : [];
  const classes = [...new Set(fields.map((f) => f.piiClass))].sort();
  const audit = (errorCode: string | null, extra: Record<string, unknown> = {}) =>
    auditReveal(db, request, run, {
      errorCode,
      reason,
      // The fields by their schema path and how many values each held: never a value.
      data: { scope: "all", fields: fields.map((f) => ({ ...f, path: f.path.join(".") })), ...extra },
    });
  const refuse = async (error: AirlockError, extra?: Record<string, unknown>) => {
    await audit(error.code, extra);
    return error;
  };

  if (!action || fields.length === 0)
    throw await refuse(
      new AirlockError("pii.not_classified", "This run holds no personal data to reveal; it is shown as is."),
    );
  if (reason.length < MIN_REASON)
    throw await refuse(
      new AirlockError(
        "pii.reason_required",
        `Say why you need to see it, for example the subject access request's ticket (at least ${MIN_REASON} characters).`,
      ),
    );
  const missing: string[] = [];
  for (const piiClass of classes) {
    if (!(await deps.authorizer.can(request.principal, `reveal:${piiClass}`, action)).allowed)
      missing.push(`reveal:${piiClass}`);
  }
  if (missing.length > 0) {
    throw await refuse(
      new AirlockError(
        "pii.reveal_all_denied",
        `Revealing everything in this run needs ${missing.join(", ")} on ${action.name}, which you do not hold; nothing was revealed.`,
        { missing },
      ),
      { missing },
    );
  }

  // Decrypted here, for this one answer (runs/run-values.ts); the row keeps only the mask.
  const raw: Record<RunSection, unknown> = { params: run.params, result: run.result };
  for (const section of ["params", "result"] as const) {
    if (!fields.some((f) => f.path[0] === section)) continue;
    let value: unknown;
    try {
      value = rawRunValue(deps.keyring, run, section);
    } catch (error) {
      if (error instanceof AirlockError) throw await refuse(error);
      throw error;
    }
    if (value === undefined)
      throw await refuse(
        new AirlockError(
          "pii.not_available",
          "The raw values are no longer kept (retention period over) or were never stored.",
        ),
      );
    raw[section] = value;
  }
  await audit(null);
  return {
    runId: run.id,
    action: run.action,
    actionVersion: run.action_version,
    revealedAt: new Date(),
    params: raw.params,
    result: raw.result,
    fields,
  };
}
