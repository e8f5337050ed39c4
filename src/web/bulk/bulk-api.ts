// Bulk batches from the browser: preview, start, follow (live from the events stream),
// and the batch's controls. Types are the API's own (src/api/bulk.ts).
import { useQuery } from "@tanstack/react-query";
import type { BulkBatch, BulkPreview } from "../../api/bulk.ts";
import type { ReviewerChoice } from "../../api/runs.ts";
import type { SavedQueryList } from "../../api/saved-queries.ts";
import { useApi } from "../api/context.ts";
import type { ApiClient } from "../api/http.ts";
import type { RunOnPage } from "../api/runs.ts";

const MOVING = new Set(["pending_approval", "running", "paused"]);
const SAFETY_POLL_MS = 60_000;

export function useBatch(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["bulk", id],
    queryFn: ({ signal }) => api.get<BulkBatch>(`/api/v1/bulk/${encodeURIComponent(id)}`, undefined, signal),
    // Live from the events stream (`bulk.progress`, web/notify/live-updates.ts): each event marks
    // this query stale. A slow poll stays only as a safety net while the batch moves.
    refetchInterval: (query) =>
      query.state.data && !MOVING.has(query.state.data.status) ? false : SAFETY_POLL_MS,
  });
}

/** The finished run whose result rows a batch is made of; nothing is asked without one. */
export function useSourceRun(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["run", id],
    enabled: id !== "",
    queryFn: ({ signal }) => api.get<RunOnPage>(`/api/v1/runs/${encodeURIComponent(id)}`, undefined, signal),
  });
}

/** The caller's saved queries (only their own are ever listed). */
export function useSavedQueries(enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ["saved-queries"],
    enabled,
    queryFn: ({ signal }) => api.get<SavedQueryList>("/api/v1/saved-queries", undefined, signal),
    select: (data) => data.savedQueries,
  });
}

/**
 * What a batch is made of: selected rows of a result, a CSV (checked by the server line by line),
 * or a saved query (run by the server, as the caller, at preview and again at start).
 */
export type BulkSelection = { rows: Record<string, unknown>[] } | { csv: string } | { savedQuery: string };

export async function previewBatch(api: ApiClient, action: string, selection: BulkSelection) {
  return (await api.send<BulkPreview>("POST", "/api/v1/bulk/preview", { action, ...selection })).data;
}

export async function startBatch(
  api: ApiClient,
  body: {
    action: string;
    itemSetHash: string;
    reason?: string;
    reviewers?: ReviewerChoice | undefined;
  } & BulkSelection,
  idempotencyKey: string,
) {
  const response = await api.send<{ batch: BulkBatch; replayed: boolean }>(
    "POST",
    "/api/v1/bulk/start",
    body,
    {
      "idempotency-key": idempotencyKey,
    },
  );
  return response.data.batch;
}

export async function batchCommand(
  api: ApiClient,
  id: string,
  verb: "approve" | "reject" | "pause" | "resume" | "cancel",
  reason?: string,
) {
  return (
    await api.send<BulkBatch>(
      "POST",
      `/api/v1/bulk/${encodeURIComponent(id)}/${verb}`,
      reason ? { reason } : {},
    )
  ).data;
}
