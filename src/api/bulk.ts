// Bulk actions: preview a selection, start a batch (idempotent by key), follow it, pause, resume,
// cancel, decide its approval, list its items by status, download its report, retry its failures.
import { z } from "zod";
import { reviewerOptions } from "./actions.ts";
import { isoTime, personRef, reviewers } from "./common.ts";
import { reviewerChoice } from "./runs.ts";

export const BATCH_STATUSES = [
  "pending_approval",
  "running",
  "paused",
  "succeeded",
  "failed",
  "stopped",
  "cancelled",
  "rejected",
  "expired",
] as const;
export const ITEM_STATUSES = ["pending", "succeeded", "failed", "skipped"] as const;

const selection = {
  action: z.string().min(1).max(200),
  rows: z
    .array(z.record(z.string(), z.unknown()))
    .max(100_000)
    .optional()
    .describe("The selected rows (of a lookup's result); each goes through the action's bulk.paramsFrom"),
  csv: z.string().max(4_000_000).optional().describe("A CSV whose header names the columns; one item a line"),
  savedQuery: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("One of your saved queries: it runs now, as you, and its result rows are the selection"),
};

export const bulkPreviewBody = z.strictObject(selection);

export const refusedItem = z.strictObject({
  row: z.number().int().describe("The row's place in the selection (1-based), or its CSV line"),
  ref: z.string().nullable(),
  code: z.enum(["invalid", "duplicate", "unknown_target", "formula", "wrong_columns"]),
  reason: z.string(),
});

export const batchPolicy = z.strictObject({
  name: z.string(),
  because: z.string().nullable(),
  reviewers,
  quorum: z.number().int(),
  requesterChoosesReviewers: z
    .boolean()
    .describe("The requester may narrow this policy's reviewers when starting the batch"),
});

export const bulkPreview = z.strictObject({
  action: z.string(),
  count: z.number().int(),
  maxItems: z.number().int(),
  totals: z.record(z.string(), z.number()).describe("Sum of the items' amounts per currency (minor units)"),
  refused: z.array(refusedItem),
  sample: z.array(z.strictObject({ position: z.number().int(), params: z.record(z.string(), z.unknown()) })),
  itemSetHash: z.string().describe("Send it back to start: the batch starts only on this exact item set"),
  needsApproval: z.boolean(),
  policies: z.array(batchPolicy),
  reviewerOptions: reviewerOptions
    .nullable()
    .describe(
      "Whom you may pick as the batch's reviewers (send them back as `reviewers` to start); null when no policy holding the batch lets you choose",
    ),
});
export type BulkPreview = z.output<typeof bulkPreview>;

export const bulkStartBody = z.strictObject({
  ...selection,
  itemSetHash: z.string().min(1).max(200),
  reason: z.string().max(1_000).optional(),
  concurrency: z.number().int().min(1).max(32).optional(),
  /** Narrow the batch approval's reviewers (only when the policies holding the batch allow it). */
  reviewers: reviewerChoice.optional(),
});

export const itemCounts = z.strictObject({
  pending: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
});

export const bulkBatch = z.strictObject({
  id: z.string(),
  action: z.string(),
  status: z.enum(BATCH_STATUSES),
  requester: personRef,
  itemCount: z.number().int(),
  itemSetHash: z.string(),
  totals: z.record(z.string(), z.number()),
  reason: z.string().nullable(),
  approvalRequestId: z.string().nullable(),
  retryOf: z.string().nullable(),
  concurrency: z.number().int(),
  stopReason: z.string().nullable(),
  requestId: z.string(),
  counts: itemCounts,
  etaSeconds: z
    .number()
    .nullable()
    .describe("Estimated seconds left, from the rate so far (running batches)"),
  createdAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
});
export type BulkBatch = z.output<typeof bulkBatch>;

export const bulkStartResponse = z.strictObject({ batch: bulkBatch, replayed: z.boolean() });

export const bulkReasonBody = z.strictObject({ reason: z.string().max(1_000).optional() });

export const bulkItemsQuery = z.strictObject({
  status: z.enum(ITEM_STATUSES).optional(),
  after: z.coerce.number().int().min(0).optional().describe("Keyset: items after this position"),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

export const bulkItem = z.strictObject({
  position: z.number().int(),
  status: z.enum(ITEM_STATUSES),
  targetId: z.string().nullable(),
  runId: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  finishedAt: isoTime.nullable(),
});
export const bulkReportBody = z
  .string()
  .describe("CSV: position, status, target_id, run_id, error_code, reason, params");

export const bulkItemList = z.strictObject({ items: z.array(bulkItem) });
