// Approval policies: effective modes, the monitoring report, and mode changes.
import { z } from "zod";
import { isoDateParam, isoTime, policyMode, reviewers } from "./common.ts";

export const policyReportQuery = z.strictObject({
  from: isoDateParam.optional().describe("Start of the period (inclusive); default: 30 days before `to`"),
  to: isoDateParam.optional().describe("End of the period (exclusive); default: now"),
  interval: z.enum(["day", "week", "month"]).default("week").describe("Size of the periods in `periods`"),
});

export const modeBody = z.strictObject({
  mode: policyMode,
  reason: z.string().trim().min(3).max(2_000),
  action: z.string().max(100).optional().describe("Needed only when several actions share the policy name"),
});

export const policy = z.strictObject({
  name: z.string(),
  action: z.string(),
  actionTitle: z.string(),
  description: z.string().nullable(),
  conditional: z.boolean(),
  reviewers,
  quorum: z.number().int(),
  expiresInMs: z.number().int(),
  mode: policyMode,
  codeMode: policyMode,
  override: z
    .strictObject({
      mode: policyMode,
      reason: z.string(),
      changedBy: z.string(),
      changedAt: isoTime.nullable(),
    })
    .nullable(),
  canChangeMode: z.boolean(),
});
export type Policy = z.output<typeof policy>;

export const policyList = z.strictObject({ policies: z.array(policy) });
export type PolicyList = z.output<typeof policyList>;

const counts = {
  wouldHaveGated: z.number().int(),
  requested: z.number().int(),
  pending: z.number().int(),
  approved: z.number().int(),
  rejected: z.number().int(),
  expired: z.number().int(),
  cancelled: z.number().int(),
};

export const policyReportRow = z.strictObject({
  action: z.string(),
  policy: z.string(),
  mode: policyMode,
  codeMode: policyMode,
  totals: z.strictObject({
    ...counts,
    /** Shares of the requests that reached an end (pending ones excluded); null when none did. */
    shares: z
      .strictObject({
        approved: z.number(),
        rejected: z.number(),
        expired: z.number(),
        cancelled: z.number(),
      })
      .nullable(),
  }),
  byRequester: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string().nullable(),
      wouldHaveGated: z.number().int(),
      requested: z.number().int(),
    }),
  ),
  periods: z.array(z.strictObject({ start: isoTime, ...counts })),
});
export type PolicyReportRow = z.output<typeof policyReportRow>;

export const policyReport = z.strictObject({
  from: isoTime,
  to: isoTime,
  interval: z.enum(["day", "week", "month"]),
  policies: z.array(policyReportRow),
});
export type PolicyReport = z.output<typeof policyReport>;

export const modeChange = z.strictObject({
  action: z.string(),
  policy: z.string(),
  codeMode: policyMode,
  changed: z.boolean(),
  from: policyMode,
  to: policyMode,
  mode: policyMode,
});

// Policy what-if: a draft replayed against past runs (src/approval/policy-what-if.ts).
const draftScalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const draftCondition = z.strictObject({
  param: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,4}$/,
      "a parameter name, or a dotted path into one",
    )
    .describe("A parameter, or a path into one (`address.country`)"),
  op: z.enum(["gt", "gte", "lt", "lte", "eq", "ne", "in", "notIn", "present", "absent"]),
  value: z.union([draftScalar, z.array(draftScalar).max(100)]).optional(),
});
const draftList = z.array(draftCondition).min(1).max(20);

export const whatIfBody = z.strictObject({
  action: z.string().max(100).optional().describe("Needed only when several actions share the policy name"),
  days: z.number().int().min(1).max(365).default(30).describe("How far back to replay runs"),
  draft: z
    .strictObject({
      when: z
        .union([z.literal("always"), z.strictObject({ all: draftList }), z.strictObject({ any: draftList })])
        .optional()
        .describe("The draft condition; left out: the policy's current condition"),
      reviewers: z
        .strictObject({
          groups: z.array(z.string().min(1).max(100)).max(20).optional(),
          users: z.array(z.string().min(1).max(200)).max(20).optional(),
        })
        .optional()
        .describe("Left out (or a part of it): the policy's current reviewers"),
      quorum: z.number().int().min(1).max(10).optional(),
    })
    .describe("What would change: each part left out keeps the policy's current one"),
});

const personName = z.strictObject({ id: z.string(), name: z.string() });
const side = {
  reviewers,
  quorum: z.number().int(),
  eligibleReviewers: z
    .array(personName)
    .describe("People who could approve: in a group or listed, holding approve"),
};

export const whatIfReport = z.strictObject({
  action: z.string(),
  policy: z.string(),
  mode: policyMode,
  days: z.number().int(),
  since: isoTime,
  current: z.strictObject({ condition: z.string(), ...side }),
  draft: z.strictObject({ condition: z.string(), ...side }),
  truncated: z.boolean().describe("More runs than the replay covers: the newest were replayed"),
  totals: z.strictObject({
    runs: z.number().int(),
    gatedNow: z.number().int(),
    gatedDraft: z.number().int(),
    still_gated: z.number().int(),
    newly_gated: z.number().int(),
    no_longer_gated: z.number().int(),
    still_free: z.number().int(),
    unknown: z.number().int(),
    noQuorumPossible: z
      .number()
      .int()
      .describe(
        "Runs the draft gates for which fewer than quorum people besides the requester could have approved (their groups at the run's time)",
      ),
  }),
  byRequester: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string().nullable(),
      gatedNow: z.number().int(),
      gatedDraft: z.number().int(),
    }),
  ),
  changed: z.array(
    z.strictObject({
      runId: z.string(),
      createdAt: isoTime,
      status: z.string(),
      requester: z.strictObject({ id: z.string(), name: z.string().nullable() }),
      category: z.enum(["newly_gated", "no_longer_gated", "unknown"]),
      params: z.unknown().describe("As stored: classified fields masked"),
      note: z.string().nullable(),
      reviewersThen: z
        .array(personName)
        .nullable()
        .describe(
          "Who could have approved it under the draft when it was requested (their groups then), besides its requester; null when the draft does not gate it",
        ),
    }),
  ),
});
export type WhatIfReport = z.output<typeof whatIfReport>;
