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

/** An invitation link's token (`inv_…`), sent in a body so it never lands in a URL or access log. */
const invitationToken = z.string().min(1).max(200);

export const invitationLookupBody = z.strictObject({ token: invitationToken });
export const invitationLookup = z.strictObject({
  email: z.string().nullable(),
  name: z.string(),
  expiresAt: isoTime,
});

const newPassword = z
  .string()
  .min(12, "Use at least 12 characters.")
  .max(1_024, "Use at most 1,024 characters.");

export const invitationAcceptBody = z.strictObject({ token: invitationToken, password: newPassword });

/** Choosing one's own password in place of one someone else chose (refused sign-in until then). */
export const passwordChangeBody = z
  .strictObject({
    email: z.string().trim().min(1).max(320),
    currentPassword: z.string().min(1).max(1_024),
    newPassword,
  })
  .refine((body) => body.newPassword !== body.currentPassword, {
    path: ["newPassword"],
    message: "Choose a password different from the one you were given.",
  });

/** The invitation an admin sent again (the newest link is the only one that works). */
export const invitationSent = z.strictObject({
  userId: z.string(),
  invitationId: z.string(),
  expiresAt: isoTime,
});

/** Taking an emergency role (break-glass). */
export const breakGlassBody = z.strictObject({
  role: z.string().min(1).max(100),
  reason: z.string().max(2_000).default(""),
  minutes: z.number().int().default(60).describe("How long, at most 240 (4 hours)"),
});

export const breakGlass = z.strictObject({
  id: z.string(),
  user: z.strictObject({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  role: z.string(),
  reason: z.string(),
  requestId: z.string(),
  startedAt: isoTime,
  endsAt: isoTime,
  endedAt: isoTime.nullable(),
  active: z.boolean(),
  review: z.strictObject({
    status: z.enum(["pending", "done"]),
    reviewedBy: z.string().nullable(),
    reviewedAt: isoTime.nullable(),
    note: z.string().nullable(),
  }),
});
export type BreakGlass = z.output<typeof breakGlass>;

export const breakGlassList = z.strictObject({ elevations: z.array(breakGlass) });
export const breakGlassListQuery = z.strictObject({
  review: z.enum(["pending"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const breakGlassReviewBody = z.strictObject({ note: z.string().trim().min(1).max(2_000) });
