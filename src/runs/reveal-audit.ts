// The audit record of a reveal, one shape for a single field and for a whole run: a reveal is
// `pii.revealed`, a refusal `pii.reveal_denied` with its code. `data` says what was asked for
// (paths, classes, counts) and never holds a value.
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Principal } from "../identity/principal.ts";
import type { Queryable } from "../store/queryable.ts";
import type { RunRow } from "./run-store.ts";

export interface RevealAsker {
  principal: Principal;
  requestId: string;
  client: ClientInfo;
}

/** A reveal asked of a run the caller may not see (or that does not exist): probing is worth a record. */
export async function auditRevealProbe(
  db: Queryable,
  asker: RevealAsker,
  run: RunRow | null,
  data: Record<string, unknown>,
): Promise<void> {
  await appendAudit(db, [
    {
      type: "pii.reveal_denied",
      outcome: "denied",
      actorId: asker.principal.id,
      actorKind: asker.principal.kind,
      runId: run?.id ?? null,
      requestId: asker.requestId,
      errorCode: "run.not_found",
      data,
      clientIp: asker.client.clientIp,
      userAgent: asker.client.userAgent,
    },
  ]);
}

/** A reveal of a visible run, granted (`errorCode` null) or refused. `reason` is already scrubbed. */
export async function auditReveal(
  db: Queryable,
  asker: RevealAsker,
  run: RunRow,
  outcome: { errorCode: string | null; reason: string; data: Record<string, unknown> },
): Promise<void> {
  await appendAudit(db, [
    {
      type: outcome.errorCode === null ? "pii.revealed" : "pii.reveal_denied",
      outcome: outcome.errorCode === null ? "success" : "denied",
      actorId: asker.principal.id,
      actorKind: asker.principal.kind,
      action: run.action,
      actionVersion: run.action_version,
      targetType: run.target_type,
      targetId: run.target_id,
      runId: run.id,
      requestId: asker.requestId,
      errorCode: outcome.errorCode,
      reason: outcome.reason || null,
      data: outcome.data,
      clientIp: asker.client.clientIp,
      userAgent: asker.client.userAgent,
    },
  ]);
}
