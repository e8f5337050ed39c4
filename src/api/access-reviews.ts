// Access reviews: a named reviewer keeps or revokes each member's access to a group.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const accessReviewStartBody = z.strictObject({
  group: z.string().trim().min(1).max(200).describe("The group's name or id"),
  reviewerId: z.string().trim().min(1).max(100).describe("Who reviews (a person: the group's owner)"),
  dueInDays: z.number().int().min(1).max(90).default(14),
});

export const accessReviewDecisionBody = z.strictObject({
  decision: z.enum(["keep", "revoke"]),
  reason: z.string().trim().max(2_000).optional(),
});

export const accessReviewSignOffBody = z.strictObject({ note: z.string().trim().max(2_000).optional() });
export const accessReviewCancelBody = z.strictObject({ reason: z.string().trim().min(3).max(2_000) });

export const accessReviewListQuery = z.strictObject({ status: z.enum(["open", "all"]).default("open") });
export const accessReviewExportQuery = z.strictObject({ format: z.enum(["csv", "html"]).default("csv") });

export const accessReview = z.strictObject({
  id: z.string(),
  group: z.strictObject({ id: z.string(), name: z.string() }),
  reviewer: z.strictObject({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  startedBy: z.string(),
  startedAt: isoTime,
  dueAt: isoTime,
  status: z.enum(["open", "signed_off", "cancelled"]),
  signedOffAt: isoTime.nullable(),
  note: z.string().nullable(),
  items: z.array(
    z.strictObject({
      userId: z.string(),
      name: z.string(),
      email: z.string().nullable(),
      memberSince: isoTime.nullable(),
      grants: z.array(
        z.strictObject({
          grant: z.string(),
          verbs: z.array(z.string()),
          on: z.string(),
          lastUsedAt: isoTime
            .nullable()
            .describe("From the audit trail: the last run it allowed, or approval"),
        }),
      ),
      lastActivityAt: isoTime.nullable(),
      decision: z.enum(["keep", "revoke"]).nullable(),
      reason: z.string().nullable(),
      decidedAt: isoTime.nullable(),
      outcome: z
        .enum(["kept", "removed", "held", "gone"])
        .nullable()
        .describe("After sign-off; held: a change request waits for a second admin"),
      changeRequestId: z.string().nullable(),
    }),
  ),
  youReview: z.boolean(),
});
export type AccessReviewView = z.output<typeof accessReview>;

export const accessReviewList = z.strictObject({ reviews: z.array(accessReview) });
