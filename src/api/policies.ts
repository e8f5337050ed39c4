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
