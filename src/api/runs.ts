// Runs: starting one (POST /api/v1/actions/{name}/runs), history, one run with its
// accountability (the six questions), and revealing a masked value.
import { z } from "zod";
import { isoDateParam, isoTime, jsonValue, personRef, target } from "./common.ts";

export const RUN_STATUSES = [
  "pending_approval",
  "approved",
  "queued",
  "running",
  "succeeded",
  "failed",
  "rejected",
  "expired",
  "cancelled",
] as const;
export const runStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.output<typeof runStatus>;

/** Who the requester narrows the reviewers to, where the action's policy allows it. */
export const reviewerChoice = z.strictObject({
  /** People, by user id or email. */
  users: z.array(z.string().min(1).max(320)).max(50).optional(),
  /** Groups, by name: one of the policy's reviewer groups. */
  groups: z.array(z.string().min(1).max(200)).max(20).optional(),
});
export type ReviewerChoice = z.output<typeof reviewerChoice>;

export const runBody = z.strictObject({
  params: z.record(z.string(), z.unknown()).optional(),
  reason: z.string().max(2_000).optional(),
  /** Narrow the reviewers (only used when the run is held for approval by policies that allow it). */
  reviewers: reviewerChoice.optional(),
});

export const runError = z.strictObject({
  code: z.string(),
  message: z.string(),
  /** A downstream failure's resource, status and trimmed (PII-masked) body; an action's error details. */
  details: z.record(z.string(), z.unknown()).optional(),
  /** A call to another system may have taken effect: retry only with `details.idempotencyKey`. */
  outcomeUnknown: z.literal(true).optional(),
});

/** A run as everyone outside the server sees it: parameters and result masked by classification. */
export const run = z.strictObject({
  id: z.string(),
  action: z.string(),
  actionVersion: z.string(),
  status: runStatus,
  actorId: z.string(),
  onBehalfOf: z.string().nullable(),
  channel: z.string(),
  target: target.nullable(),
  params: z.record(z.string(), z.unknown()).nullable(),
  reason: z.string().nullable(),
  result: jsonValue,
  error: runError.nullable(),
  requestId: z.string(),
  executionRequestId: z.string().nullable(),
  parentRequestId: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  approvalRequestId: z.string().nullable(),
  attempt: z.number().int(),
  createdAt: isoTime,
  queuedAt: isoTime.nullable(),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  links: z.strictObject({ self: z.string() }),
});
export type Run = z.output<typeof run>;

export const runListQuery = z.strictObject({
  action: z.string().max(100).optional(),
  actor: z.string().max(100).optional().describe('A user id, or "me"'),
  status: runStatus.optional(),
  targetType: z.string().max(100).optional(),
  targetId: z.string().max(200).optional(),
  batch: z
    .string()
    .regex(/^blk_[A-Za-z0-9]{1,60}$/, "is not a batch ID (blk_…)")
    .optional()
    .describe("A bulk batch's ID: only the runs of its items"),
  from: isoDateParam.optional(),
  to: isoDateParam.optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe(
      "Text search: action, target, request ID, who, error and the (masked) parameters; an amount such as 250 or $250.00 also finds 25000 minor units",
    ),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type RunListQuery = z.output<typeof runListQuery>;

export const runListItem = run.extend({ actorName: z.string().nullable() });
export const runPage = z.strictObject({ runs: z.array(runListItem), nextCursor: z.string().nullable() });
export type RunPage = z.output<typeof runPage>;

const person = z.strictObject({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  kind: z.string(),
});
export type Person = z.output<typeof person>;

export const grantRef = z.strictObject({
  id: z.string(),
  source: z.enum(["config", "admin"]),
  subject: z.string(),
  subjectKind: z.enum(["role", "group"]),
  verbs: z.array(z.string()),
  /** `*`, `action:<name>` or `tag:<tag>`. */
  on: z.string(),
});
export type GrantRef = z.output<typeof grantRef>;

/** The authorizer's decision as recorded when the run was authorized: the grant and the caller's roles. */
export const allowedBy = z.strictObject({ grant: grantRef.nullable(), roles: z.array(z.string()) });

/** The six questions for one run: who, on what, allowed by which grant, approved by whom, what changed, which logs. */
export const accountability = z.strictObject({
  who: z.strictObject({ actor: person.nullable(), onBehalfOf: z.string().nullable(), channel: z.string() }),
  target: z.strictObject({ action: z.string(), version: z.string(), target: target.nullable() }),
  allowedBy: allowedBy.nullable(),
  elevation: z
    .strictObject({
      id: z.string(),
      role: z.string(),
      reason: z.string(),
      startedAt: isoTime,
      endsAt: isoTime,
    })
    .nullable()
    .describe("The break-glass elevation the actor held when the run was requested"),
  approval: z.strictObject({
    required: z.boolean(),
    requestId: z.string().nullable(),
    status: z.string().nullable(),
    reason: z.string().nullable(),
    policies: jsonValue,
    decisions: z.array(
      z.strictObject({
        reviewer: person,
        decision: z.string(),
        reason: z.string().nullable(),
        channel: z.string(),
        at: isoTime,
      }),
    ),
    wouldHaveRequired: z.array(z.strictObject({ policy: z.string(), because: z.string().nullable() })),
  }),
  changed: z.strictObject({
    before: jsonValue,
    after: jsonValue,
    diff: z.array(z.strictObject({ path: z.string(), before: jsonValue, after: jsonValue })),
    /** How the run failed; a `downstream.*` code names the system and says whether the outcome is unknown. */
    error: z
      .strictObject({
        code: z.string(),
        message: z.string(),
        details: z.record(z.string(), z.unknown()).nullable(),
        outcomeUnknown: z.boolean(),
      })
      .nullable(),
  }),
  requestIds: z.strictObject({
    request: z.string(),
    execution: z.string().nullable(),
    parent: z.string().nullable(),
  }),
  audit: z.strictObject({
    verified: z.boolean(),
    events: z.array(
      z.strictObject({
        id: z.string(),
        type: z.string(),
        at: z.string(),
        outcome: z.string(),
        requestId: z.string().nullable(),
        errorCode: z.string().nullable(),
        /** Who did it (the requester, a reviewer, the executing worker's service identity). */
        actor: personRef.nullable(),
        status: z.string(),
        sealId: z.number().int().nullable(),
      }),
    ),
  }),
});
export type Accountability = z.output<typeof accountability>;

export const runDetail = run.extend({ accountability });
export type RunDetail = z.output<typeof runDetail>;

export const revealBody = z.strictObject({
  path: z
    .array(z.union([z.string().max(100), z.number().int().min(0)]))
    .min(2)
    .max(12)
    .refine((p) => p[0] === "result" || p[0] === "params", 'The path starts with "result" or "params".'),
  reason: z.string().max(1_000),
});

export const revealResponse = z.strictObject({
  value: jsonValue,
  piiClass: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
});
export type Revealed = z.output<typeof revealResponse>;

/** POST /api/v1/runs/{id}/reveal-all: a subject access request's one reason. */
export const revealAllBody = z.strictObject({ reason: z.string().max(1_000) });

export const revealAllResponse = z.strictObject({
  runId: z.string(),
  action: z.string(),
  actionVersion: z.string(),
  revealedAt: isoTime,
  /** The run's parameters and result with every classified field unmasked. */
  params: jsonValue,
  result: jsonValue,
  /** Each classified field that held values, by its schema path (`*` spans a list's items). */
  fields: z.array(
    z.strictObject({
      path: z.array(z.string()),
      piiClass: z.string(),
      values: z.number().int(),
    }),
  ),
});
export type RevealedAll = z.output<typeof revealAllResponse>;

/** GET /api/v1/runs/{id}/logs: what the handler logged with ctx.log (masked, capped per attempt). */
export const runLogLine = z.strictObject({
  attempt: z.number().int(),
  seq: z.number().int(),
  at: isoTime,
  level: z.enum(["debug", "info", "warn", "error"]),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string(),
});
export const runLogs = z.strictObject({ runId: z.string(), lines: z.array(runLogLine) });
export type RunLogs = z.output<typeof runLogs>;
