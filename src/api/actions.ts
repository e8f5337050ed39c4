// The catalog: GET /api/v1/actions, GET /api/v1/actions/{name}.
import { z } from "zod";
import { policyMode, reviewers, risk } from "./common.ts";

export const actionListQuery = z.strictObject({
  q: z.string().max(200).optional(),
  tag: z.string().max(64).optional(),
});

export const policySummary = z.strictObject({
  name: z.string(),
  description: z.string().nullable(),
  mode: policyMode,
  quorum: z.number().int(),
  reviewers,
  conditional: z.boolean(),
  /** The requester may narrow the reviewers (GET …/reviewers lists whom they may pick). */
  requesterChoosesReviewers: z.boolean(),
});
export type PolicySummary = z.output<typeof policySummary>;

export const actionSummary = z.strictObject({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  risk,
  version: z.string(),
  reasonRequired: z.boolean(),
  execution: z.enum(["queued", "inline"]),
  approval: z.strictObject({ mayBeRequired: z.boolean(), policies: z.array(policySummary) }),
  permissions: z.strictObject({ run: z.boolean(), approve: z.boolean() }),
  /** The action may run in bulk over selected rows or a CSV (its definition has `bulk`). */
  bulk: z.boolean(),
  /** A read-only SQL action: a run of it can be kept as a saved query, to start batches from. */
  savedQuery: z.boolean(),
});
export type ActionSummary = z.output<typeof actionSummary>;

export const actionList = z.strictObject({ actions: z.array(actionSummary) });
export type ActionList = z.output<typeof actionList>;

/** A JSON Schema document (draft 2020-12), as z.toJSONSchema writes it, with Airlock's field metadata. */
const jsonSchemaDocument = z.record(z.string(), z.unknown());

export const actionDetail = actionSummary.extend({
  paramsSchema: jsonSchemaDocument,
  outputSchema: jsonSchemaDocument.nullable(),
  timeoutMs: z.number().int(),
});
export type ActionDetail = z.output<typeof actionDetail>;

/** GET /api/v1/actions/{name}/reviewers: whom a requester may pick, where a policy allows it. */
export const reviewerOptions = z.strictObject({
  /** The policies of the action that let the requester choose (the others never do). */
  policies: z.array(z.string()),
  people: z.array(z.strictObject({ id: z.string(), name: z.string(), groups: z.array(z.string()) })),
  groups: z.array(z.string()),
});
export type ReviewerOptions = z.output<typeof reviewerOptions>;
