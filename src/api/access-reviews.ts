// Access reviews: a named reviewer keeps or revokes each member's access to a group.
import { z } from "zod";
import { isoTime } from "./common.ts";

const groupName = z.string().trim().min(1).max(200);

/** What a review covers: one group, several, or every group holding a grant on high-risk actions. */
export const accessReviewScopeFields = {
  group: groupName.optional().describe("One group's name or id"),
  groups: z.array(groupName).min(1).max(100).optional().describe("Several groups' names or ids"),
  highRisk: z
    .literal(true)
    .optional()
    .describe(
      "Every group holding run, approve or reveal:* on a high or critical action, or admin on * (those grants only)",
    ),
};

export const ONE_SCOPE = "Give exactly one of group, groups or highRisk.";
export const oneScope = (b: {
  group?: string | undefined;
  groups?: string[] | undefined;
  highRisk?: true | undefined;
}) => [b.group, b.groups, b.highRisk].filter((x) => x !== undefined).length === 1;

export const accessReviewStartBody = z
  .strictObject({
    ...accessReviewScopeFields,
    reviewerId: z.string().trim().min(1).max(100).describe("Who reviews (a person: the group's owner)"),
    dueInDays: z.number().int().min(1).max(90).default(14),
  })
  .refine(oneScope, ONE_SCOPE);

export const accessReviewDecisionBody = z.strictObject({
  decision: z.enum(["keep", "revoke"]),
  group: groupName
    .optional()
    .describe("The group, when the person is reviewed in more than one of the review's groups"),
  reason: z.string().trim().max(2_000).optional(),
});

export const accessReviewSignOffBody = z.strictObject({ note: z.string().trim().max(2_000).optional() });
export const accessReviewCancelBody = z.strictObject({ reason: z.string().trim().min(3).max(2_000) });

export const accessReviewListQuery = z.strictObject({ status: z.enum(["open", "all"]).default("open") });
export const accessReviewExportQuery = z.strictObject({ format: z.enum(["csv", "html"]).default("csv") });

const groupRef = z.strictObject({ id: z.string(), name: z.string() });

export const accessReview = z.strictObject({
  id: z.string(),
  scope: z.enum(["groups", "high_risk"]),
  groups: z.array(groupRef),
  scheduleId: z.string().nullable().describe("The recurring review whose tick started it"),
  reviewer: z.strictObject({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  startedBy: z.string(),
  startedAt: isoTime,
  dueAt: isoTime,
  status: z.enum(["open", "signed_off", "cancelled"]),
  signedOffAt: isoTime.nullable(),
  note: z.string().nullable(),
  items: z.array(
    z.strictObject({
      group: groupRef,
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

/** A recurring review: the same scope and reviewer every tick (quarterly by default). */
export const accessReviewScheduleBody = z
  .strictObject({
    ...accessReviewScopeFields,
    reviewerId: z.string().trim().min(1).max(100).describe("Who reviews each time (a person)"),
    dueInDays: z.number().int().min(1).max(90).default(14),
    every: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .default("quarterly")
      .describe("monthly, quarterly, half-yearly, yearly, or a 5-field cron; at most daily"),
    timeZone: z.string().trim().min(1).max(100).default("UTC"),
  })
  .refine(oneScope, ONE_SCOPE);

export const accessReviewSchedule = z.strictObject({
  id: z.string(),
  scope: z.enum(["groups", "high_risk"]),
  groups: z.array(z.string()),
  reviewer: z.strictObject({ id: z.string(), name: z.string() }),
  cron: z.string(),
  timeZone: z.string(),
  dueInDays: z.number().int(),
  createdBy: z.string(),
  createdAt: isoTime,
  status: z.enum(["active", "stopped"]),
  nextTicks: z.array(isoTime),
  lastReviewId: z.string().nullable().describe("The review its latest tick started"),
  runsAs: z
    .strictObject({ id: z.string(), name: z.string(), active: z.boolean() })
    .describe("The admin in whose name its ticks start reviews: whoever set it up, or took it over"),
  stalled: z
    .boolean()
    .describe(
      "Active, but its ticks are refused (review.schedule_stalled): the admin it runs as is disabled",
    ),
  lastRefusal: z
    .strictObject({ code: z.string(), at: isoTime })
    .nullable()
    .describe("Why its latest tick started no review; null once a tick starts one"),
});

export const accessReviewScheduleList = z.strictObject({ schedules: z.array(accessReviewSchedule) });
