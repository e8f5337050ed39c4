// Bulk actions over HTTP: preview, start (Idempotency-Key), a batch's status and items, pause,
// resume, cancel, approve or reject its approval, its failure report (CSV) and retrying its failed
// items. Every check is in bulk/bulks.ts; this file declares the contract (src/api/bulk.ts).
import type { Context } from "hono";
import {
  bulkBatch,
  bulkItemList,
  bulkItemsQuery,
  bulkPreview,
  bulkPreviewBody,
  bulkReasonBody,
  bulkReportBody,
  bulkStartBody,
  bulkStartResponse,
} from "../api/bulk.ts";
import type { Asker, Bulk } from "../bulk/bulks.ts";
import type { SavedQueries } from "../bulk/saved-queries.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { AppEnv } from "./app-env.ts";
import { json, type RouteTable } from "./route.ts";

const SELECTION_LIMIT = 8 * 1024 * 1024;

function asker(c: Context<AppEnv>, principal: Principal): Asker {
  return {
    principal,
    requestId: c.get("requestId"),
    client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
  };
}

export function bulkRoutes(deps: { bulk: Bulk; savedQueries: SavedQueries }) {
  const { bulk } = deps;
  // A saved query as the selection: it runs now, as the caller, and its rows are the selection.
  async function selection<
    T extends {
      savedQuery?: string | undefined;
      rows?: Record<string, unknown>[] | undefined;
      csv?: unknown;
    },
  >(who: Asker, body: T): Promise<Omit<T, "savedQuery">> {
    const { savedQuery, ...rest } = body;
    if (savedQuery === undefined) return rest;
    if (body.rows !== undefined || body.csv !== undefined)
      throw new AirlockError("bulk.selection_invalid", "Send rows, a CSV or a saved query: one of them.");
    const { rows } = await deps.savedQueries.rows(who, savedQuery);
    return { ...rest, rows };
  }
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/bulk/preview",
      summary:
        "Preview a batch: item count, totals per currency, refused items with reasons, a sample, the item-set hash",
      tags: ["bulk"],
      auth: "principal",
      body: bulkPreviewBody,
      bodyLimit: SELECTION_LIMIT,
      responses: { 200: { description: "The preview (nothing is stored)", schema: bulkPreview } },
      async handler(c, { principal, body }) {
        return json(c, await bulk.preview(principal, await selection(asker(c, principal), body)));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/bulk/start",
      summary: "Start a batch on the previewed item set (send Idempotency-Key: the same key is one batch)",
      tags: ["bulk"],
      auth: "principal",
      body: bulkStartBody,
      bodyLimit: SELECTION_LIMIT,
      responses: {
        200: {
          description: "Started earlier with this idempotency key (replayed)",
          schema: bulkStartResponse,
        },
        202: { description: "Started, or waiting for its approval", schema: bulkStartResponse },
      },
      async handler(c, { principal, body }) {
        const who = asker(c, principal);
        const started = await bulk.start(
          who,
          await selection(who, body),
          c.req.header("idempotency-key") ?? null,
        );
        return json(c, started, started.replayed ? 200 : 202);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/bulk/:id",
      summary: "A batch: status, counts by item status, ETA",
      tags: ["bulk"],
      auth: "principal",
      responses: { 200: { description: "The batch", schema: bulkBatch } },
      async handler(c, { principal }) {
        return json(c, await bulk.get(principal, c.req.param("id") ?? ""));
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/bulk/:id/items",
      summary: "A batch's items, filterable by status",
      tags: ["bulk"],
      auth: "principal",
      query: bulkItemsQuery,
      responses: { 200: { description: "Items in position order", schema: bulkItemList } },
      async handler(c, { principal, query }) {
        const rows = await bulk.items(principal, c.req.param("id") ?? "", query);
        return json(c, {
          items: rows.map((row) => ({
            position: row.position,
            status: row.status,
            targetId: row.target_id,
            runId: row.run_id,
            errorCode: row.error_code,
            errorMessage: row.error_message,
            finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
          })),
        });
      },
    });

    for (const [verb, summary] of [
      ["pause", "Pause a running batch (items in flight finish; audited)"],
      ["resume", "Resume a paused batch (audited)"],
      ["cancel", "Cancel a batch: pending items are skipped (audited)"],
      ["approve", "Approve a batch's approval request (not your own)"],
      ["reject", "Reject a batch's approval request"],
    ] as const) {
      routes.add({
        method: "post",
        path: `/api/v1/bulk/:id/${verb}`,
        summary,
        tags: ["bulk"],
        auth: "principal",
        body: bulkReasonBody,
        responses: { 200: { description: "The batch after it", schema: bulkBatch } },
        async handler(c, { principal, body }) {
          const id = c.req.param("id") ?? "";
          const who = asker(c, principal);
          const reason = body.reason ?? null;
          const after =
            verb === "approve" || verb === "reject"
              ? await bulk.decide(who, id, verb, reason)
              : await bulk[verb](who, id, reason);
          return json(c, after);
        },
      });
    }

    routes.add({
      method: "post",
      path: "/api/v1/bulk/:id/retry",
      summary: "Retry the failed items as a new batch that references this one",
      tags: ["bulk"],
      auth: "principal",
      body: bulkReasonBody,
      responses: { 202: { description: "The new batch", schema: bulkBatch } },
      async handler(c, { principal, body }) {
        return json(
          c,
          await bulk.retryFailed(asker(c, principal), c.req.param("id") ?? "", body.reason ?? null),
          202,
        );
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/bulk/:id/report.csv",
      summary:
        "The batch's report as CSV: every item, succeeded / failed / skipped and why (formula-safe, PII masked)",
      tags: ["bulk"],
      auth: "principal",
      responses: {
        200: { description: "The report", schema: bulkReportBody, mediaTypes: ["text/csv"] },
      },
      async handler(c, { principal }) {
        const id = c.req.param("id") ?? "";
        const text = await bulk.report(principal, id);
        c.header("Content-Type", "text/csv; charset=utf-8");
        c.header(
          "Content-Disposition",
          `attachment; filename="airlock-bulk-${id.replace(/[^A-Za-z0-9_-]/g, "")}.csv"`,
        );
        c.header("Cache-Control", "no-store");
        return c.body(text);
      },
    });
  };
}
