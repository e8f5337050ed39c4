// The audit trail over HTTP: a page of events, and the verification report. (The search and
// export query strings are parsed by src/audit/audit-filter.ts, which the CLI shares.)
import { z } from "zod";
import { isoTime, jsonValue } from "./common.ts";

/** One audit event as read back; ids are strings (bigint), times ISO 8601 UTC with microseconds. */
export const auditEvent = z.strictObject({
  id: z.string(),
  txid: z.string(),
  occurredAt: isoTime,
  type: z.string(),
  outcome: z.string(),
  actorId: z.string().nullable(),
  actorKind: z.string().nullable(),
  onBehalfOf: z.string().nullable(),
  action: z.string().nullable(),
  actionVersion: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  runId: z.string().nullable(),
  approvalRequestId: z.string().nullable(),
  requestId: z.string().nullable(),
  parentRequestId: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  errorCode: z.string().nullable(),
  reason: z.string().nullable(),
  params: jsonValue,
  data: jsonValue,
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type AuditEvent = z.output<typeof auditEvent>;

/** A person or service identity named in the audit, as the reader sees them. */
export const auditActor = z.strictObject({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  kind: z.string(),
});
export type AuditActor = z.output<typeof auditActor>;

export const auditPage = z.strictObject({
  events: z.array(auditEvent),
  nextCursor: z.string().nullable(),
  /** The page's actors by ID (events keep the ID; a user may have been renamed since). */
  actors: z.record(z.string(), auditActor),
});
export type AuditPage = z.output<typeof auditPage>;

export const auditActorsQuery = z.strictObject({
  q: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
});
export const auditActorList = z.strictObject({ actors: z.array(auditActor) });
export type AuditActorList = z.output<typeof auditActorList>;

/** The first bad record verification found: what happened to which event in which seal. */
export const verifyProblem = z.strictObject({
  kind: z.enum(["edited", "deleted", "inserted", "reordered", "seal_broken", "signature_invalid"]),
  sealId: z.number().int().nullable(),
  eventId: z.string().nullable(),
  detail: z.string(),
});
export type VerifyProblem = z.output<typeof verifyProblem>;

export const auditVerification = z.discriminatedUnion("ok", [
  z.strictObject({
    ok: z.literal(true),
    events: z.number().int(),
    seals: z.number().int(),
    unsealed: z.number().int(),
    lastSeal: z.strictObject({ id: z.number().int(), root: z.string() }).nullable(),
    ms: z.number(),
  }),
  z.strictObject({
    ok: z.literal(false),
    problem: verifyProblem,
    events: z.number().int(),
    seals: z.number().int(),
    ms: z.number(),
  }),
]);
export type AuditVerification = z.output<typeof auditVerification>;

/** The export's body: CSV or JSON Lines text, streamed. */
export const auditExportBody = z.string();
