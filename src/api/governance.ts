// Governance: change requests — access and policy changes held for a second admin's approval.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const CHANGE_STATUSES = ["pending", "applied", "rejected", "cancelled", "expired"] as const;

export const changeListQuery = z.strictObject({
  status: z.enum(["pending", "mine", "all"]).default("pending"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const changeRequest = z.strictObject({
  id: z.string(),
  kind: z.string().meta({ examples: ["group.add_member"] }),
  summary: z.string(),
  payload: z.record(z.string(), z.unknown()),
  status: z.enum(CHANGE_STATUSES),
  requester: z.strictObject({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  reason: z.string().nullable(),
  whyFourEyes: z.string().nullable(),
  approvalRequestId: z.string().nullable(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  decidedAt: isoTime.nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  decisions: z.array(
    z.strictObject({
      reviewerId: z.string(),
      reviewerName: z.string(),
      decision: z.string(),
      reason: z.string().nullable(),
      decidedAt: isoTime,
    }),
  ),
  canDecide: z.boolean(),
  whyNot: z.string().nullable().describe("The error code a decision by you would get, or null"),
});
export type ChangeRequest = z.output<typeof changeRequest>;

export const changeList = z.strictObject({ changes: z.array(changeRequest) });

/** The answer of an admin route whose change was held for a second admin (202). */
export const changeRequested = z.strictObject({
  changeRequest,
  message: z.string(),
});

export const governanceStatus = z.strictObject({
  admins: z.number().int(),
  fourEyes: z.enum(["on", "bootstrap"]).describe("bootstrap: only one admin exists, changes apply directly"),
  rules: z.record(z.string(), z.enum(["always", "sensitive", "never"])),
});

/** The body of an admin change that may be held: an optional reason for the reviewer. */
export const changeReason = z.string().trim().max(2_000).optional();

/** One deployed version of an action: its recorded definition, what changed, its runs. */
export const actionVersion = z.strictObject({
  version: z.string(),
  current: z.boolean(),
  firstSeenAt: isoTime,
  definition: z.record(z.string(), z.unknown()),
  changes: z.array(z.strictObject({ path: z.string(), before: z.unknown(), after: z.unknown() })),
  runs: z.strictObject({ count: z.number().int(), first: isoTime.nullable(), last: isoTime.nullable() }),
});
export type ActionVersion = z.output<typeof actionVersion>;

export const actionVersionList = z.strictObject({ action: z.string(), versions: z.array(actionVersion) });
