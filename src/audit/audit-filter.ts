// Which audit events a search or an export covers: the filters, the zod schemas that turn a query
// string into them (for the HTTP layer and the CLI), and the parameterized WHERE clause both use.
import { z } from "zod";
import { AUDIT_EVENT_TYPES, type AuditEventType, type AuditOutcome } from "./audit-event.ts";

export const AUDIT_OUTCOMES = ["success", "failure", "denied", "pending", "info"] as const;
export const MAX_SEARCH_LIMIT = 500;

export interface AuditFilters {
  actorId?: string;
  action?: string;
  /** Any of these actions: what an action-scoped auditor may read (set by the server, never a query key). */
  actions?: string[];
  targetType?: string;
  targetId?: string;
  requestId?: string;
  runId?: string;
  outcome?: AuditOutcome;
  type?: AuditEventType;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface AuditSearchFilters extends AuditFilters {
  /** 1..500. */
  limit: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string;
}

/** The keyset cursor: the id of the last event of the previous page (pages go by id DESC). */
export function encodeCursor(id: string): string {
  return Buffer.from(`a1:${id}`, "utf8").toString("base64url");
}

/** The id a cursor stands for, or null when it is not one this API issued. */
export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  const match = /^a1:([1-9][0-9]{0,18})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return match ? match[1]! : null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

// A date is midnight UTC; a date-time needs an explicit offset, so "12:00" never silently means
// the server's time zone. Round-tripping the date part rejects 2024-02-30, which Date would roll.
function instant(text: string): Date | null {
  if (!DATE_ONLY.test(text) && !z.iso.datetime({ offset: true }).safeParse(text).success) return null;
  const date = new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime())) return null;
  if (DATE_ONLY.test(text) && date.toISOString().slice(0, 10) !== text) return null;
  return date;
}

const instantParam = z
  .string()
  .refine((text) => instant(text) !== null, {
    message: "must be a date (2024-05-01) or a date-time with an offset (2024-05-01T12:00:00Z)",
  })
  .transform((text) => instant(text)!);

const textParam = (max: number) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !text.includes("\u0000"), "must not contain NUL characters");

const filterShape = {
  actorId: textParam(200).optional(),
  action: textParam(200).optional(),
  targetType: textParam(100).optional(),
  targetId: textParam(200).optional(),
  requestId: textParam(200).optional(),
  runId: textParam(200).optional(),
  outcome: z.enum(AUDIT_OUTCOMES, { message: `must be one of ${AUDIT_OUTCOMES.join(", ")}` }).optional(),
  type: z.enum(AUDIT_EVENT_TYPES, { message: "is not a known audit event type" }).optional(),
  from: instantParam.optional(),
  to: instantParam.optional(),
};

function checkFilters(filters: AuditFilters, ctx: z.RefinementCtx): void {
  if (filters.from && filters.to && filters.from.getTime() >= filters.to.getTime()) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "must be later than from" });
  }
  // Targets are named by type and id together; that pair is what audit_events_target_idx serves.
  if (filters.targetId !== undefined && filters.targetType === undefined) {
    ctx.addIssue({ code: "custom", path: ["targetType"], message: "is required with targetId" });
  }
}

/** Query-string input (all strings) → search filters. Unknown parameters are refused. */
export const auditSearchQuerySchema = z
  .strictObject({
    ...filterShape,
    limit: z
      .string()
      .regex(/^[0-9]{1,4}$/, `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`)
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`)
          .max(MAX_SEARCH_LIMIT, `must be at most ${MAX_SEARCH_LIMIT}`),
      )
      .default(50),
    cursor: z
      .string()
      .refine((cursor) => decodeCursor(cursor) !== null, "is not a cursor from a previous page")
      .optional(),
  })
  .superRefine(checkFilters);

export type AuditSearchQuery = z.output<typeof auditSearchQuerySchema>;

/** Query-string input → export filters and format. */
export const auditExportQuerySchema = z
  .strictObject({
    ...filterShape,
    format: z.enum(["csv", "jsonl"], { message: "must be csv or jsonl" }).default("csv"),
  })
  .superRefine(checkFilters);

export type AuditExportQuery = z.output<typeof auditExportQuerySchema>;

/**
 * The WHERE clause for these filters, parameters numbered from `first`. Each equality filter has
 * an index in migrations/0004_audit.sql whose trailing `id DESC` also serves the ORDER BY.
 */
export function filterWhere(filters: AuditFilters, first = 1): { sql: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    conditions.push(condition.replace("?", `$${first + values.length - 1}`));
  };
  if (filters.actorId !== undefined) add("actor_id = ?", filters.actorId);
  if (filters.action !== undefined) add("action = ?", filters.action);
  if (filters.actions !== undefined) add("action = ANY(?::text[])", filters.actions);
  if (filters.targetType !== undefined) add("target_type = ?", filters.targetType);
  if (filters.targetId !== undefined) add("target_id = ?", filters.targetId);
  if (filters.requestId !== undefined) add("request_id = ?", filters.requestId);
  if (filters.runId !== undefined) add("run_id = ?", filters.runId);
  if (filters.outcome !== undefined) add("outcome = ?", filters.outcome);
  if (filters.type !== undefined) add("type = ?", filters.type);
  if (filters.from !== undefined) add("occurred_at >= ?", filters.from);
  if (filters.to !== undefined) add("occurred_at < ?", filters.to);
  return { sql: conditions.length ? conditions.join(" AND ") : "true", values };
}
