// Revealing one masked value of a run, with a reason (product.md, "PII and data protection").
// Needs: the run is visible to the caller, the path names a classified field of the action's
// parameters or result, the caller holds `reveal:<class>` on the action, a reason. Every
// attempt is audited — the reveal as `pii.revealed` (never the value), a refusal as
// `pii.reveal_denied` with its code. The value is returned once and not stored anywhere else.
import type { ClientInfo } from "../audit/audit-event.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { classOfPath, scrubText, valueAt } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { auditReveal, auditRevealProbe } from "./reveal-audit.ts";
import { canSeeRunOf } from "./run-access.ts";
import { getRun } from "./run-store.ts";
import { rawRunValue } from "./run-values.ts";

export const MIN_REASON = 5;

export interface RevealRequest {
  principal: Principal;
  runId: string;
  /** `["result", "card"]`, `["params", "ssn"]`, `["result", "rows", 3, "email"]`. */
  path: (string | number)[];
  reason: string;
  requestId: string;
  client: ClientInfo;
}

export async function revealRunField(
  db: Queryable,
  deps: { authorizer: Authorizer; workspace: CompiledWorkspace; keyring: Keyring | null },
  request: RevealRequest,
): Promise<{ value: unknown; piiClass: string; path: (string | number)[] }> {
  const run = await getRun(db, request.runId);
  if (!run || !(await canSeeRunOf(deps.authorizer, deps.workspace, request.principal, run))) {
    await auditRevealProbe(db, request, run, {
      path: request.path,
      requestedRunId: request.runId.slice(0, 64),
    });
    throw new AirlockError("run.not_found");
  }
  const action = deps.workspace.actions.get(run.action);
  const [section, ...rest] = request.path;
  const fields = !action
    ? []
    : section === "result"
      ? action.piiOutput
      : section === "params"
        ? action.piiParams
        : [];
  const piiClass = classOfPath(fields, rest);
  const reason = scrubText(request.reason.trim());
  const audit = (errorCode: string | null) =>
    auditReveal(db, request, run, { errorCode, reason, data: { path: request.path, piiClass } });
  const refuse = async (error: AirlockError) => {
    await audit(error.code);
    return error;
  };
  if (!action || !piiClass)
    throw await refuse(
      new AirlockError("pii.not_classified", "That field is not classified as PII; it is shown as is."),
    );
  if (request.reason.trim().length < MIN_REASON)
    throw await refuse(
      new AirlockError(
        "pii.reason_required",
        `Say why you need to see it (at least ${MIN_REASON} characters).`,
      ),
    );
  if (!(await deps.authorizer.can(request.principal, `reveal:${piiClass}`, action)).allowed) {
    throw await refuse(
      new AirlockError(
        "pii.reveal_denied",
        `You may not reveal ${piiClass.replaceAll("_", " ")} values of this action.`,
      ),
    );
  }
  // Decrypted here, for this one answer (runs/run-values.ts); the row holds only the mask.
  let source: unknown;
  try {
    source = rawRunValue(deps.keyring, run, section === "result" ? "result" : "params");
  } catch (error) {
    if (error instanceof AirlockError) throw await refuse(error);
    throw error;
  }
  const value = source === undefined ? undefined : valueAt(source, rest);
  if (value === undefined || value === null) {
    throw await refuse(
      new AirlockError(
        "pii.not_available",
        "The raw value is no longer kept (retention period over) or was never set.",
      ),
    );
  }
  await audit(null);
  return { value, piiClass, path: request.path };
}
