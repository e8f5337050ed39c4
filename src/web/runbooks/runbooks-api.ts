// Runbooks from the web: the catalog's runbooks, starting one, a runbook run (followed through the
// live-updates stream; asked again every second only while the stream is down), cancel, retry,
// answering a human step, and the human steps waiting for the viewer (also followed through the
// stream; polled only while it is down).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type {
  answerResponse,
  RunbookPreview,
  RunbookRun,
  runbookSummary,
  waitingInput,
} from "../../api/runbooks.ts";
import type { ReviewerChoice } from "../../api/runs.ts";
import { untilFirstExpiry } from "../api/approvals.ts";
import { useApi } from "../api/context.ts";
import { type ApiClient, ApiError } from "../api/http.ts";
import { streamOpen, useStreamState } from "../live-stream.ts";

export type RunbookSummary = z.output<typeof runbookSummary>;
export type WaitingInput = z.output<typeof waitingInput>;
export type { RunbookRun };
export type RunbookStep = RunbookRun["steps"][number];

/**
 * How often an unfinished runbook run is asked again while the live-updates stream is down (a
 * proxy that buffers it, a reconnect in progress). While it is open, the run's changes arrive as
 * events (runbook-live.ts) that mark the page stale at once, and nothing is polled.
 */
export const RUN_POLL_MS = 1_000;
/** How often the human steps waiting for the viewer are asked again while the stream is down. */
export const INBOX_POLL_MS = 15_000;
const FINAL = new Set(["succeeded", "failed", "cancelled"]);

/** The runbook run's page (the runbook-waiting email links here too). */
export function runbookRunPath(id: string): string {
  return `/runbooks/runs/${encodeURIComponent(id)}`;
}

export function isFinalRunbookStatus(status: string): boolean {
  return FINAL.has(status);
}

/** The runbooks the viewer may see. A server without runbooks lists none rather than an error. */
export function useRunbooks() {
  const api = useApi();
  return useQuery({
    queryKey: ["runbooks"],
    queryFn: async ({ signal }) => {
      try {
        return (await api.get<{ runbooks: RunbookSummary[] }>("/api/v1/runbooks", undefined, signal))
          .runbooks;
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return [];
        throw error;
      }
    },
    staleTime: 30_000,
  });
}

export function useRunbookRun(id: string) {
  const api = useApi();
  const queries = useQueryClient();
  useStreamState();
  return useQuery({
    queryKey: ["runbook-run", id],
    enabled: id !== "",
    queryFn: ({ signal }) =>
      api.get<RunbookRun>(`/api/v1/runbook-runs/${encodeURIComponent(id)}`, undefined, signal),
    refetchInterval: (query) => {
      if (streamOpen(queries)) return false;
      const status = query.state.data?.status;
      // A run that is not there (or not visible) is not asked about every second.
      if (!status) return query.state.status === "error" ? false : RUN_POLL_MS;
      return isFinalRunbookStatus(status) ? false : RUN_POLL_MS;
    },
  });
}

/** Recent runs of one runbook (without steps), for its page. */
export function useRunbookRuns(runbook: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["runbook-runs", runbook],
    queryFn: ({ signal }) =>
      api.get<{ runbookRuns: RunbookRun[] }>("/api/v1/runbook-runs", { runbook, limit: 10 }, signal),
    select: (data) => data.runbookRuns,
    refetchInterval: 10_000,
  });
}

/** Human steps waiting for the viewer (assigned to them or to one of their groups). */
export function useWaitingInputs() {
  const api = useApi();
  const queries = useQueryClient();
  useStreamState();
  return useQuery({
    queryKey: ["runbook-inputs"],
    queryFn: async ({ signal }) => {
      try {
        return (await api.get<{ inputs: WaitingInput[] }>("/api/v1/runbook-inputs", undefined, signal))
          .inputs;
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return [];
        throw error;
      }
    },
    // The inbox and the nav badge (every signed-in tab asks). Every change of a human step (waits,
    // answered, expired, its runbook cancelled or ended) is an event on the live-updates stream
    // that marks this stale: it is polled only while the stream is down. The server stops listing
    // a step the moment it expires, which its runbook records only when it looks (a runbook whose
    // process died, later): so with the stream open the list reads again at the first expiry.
    refetchInterval: (query) =>
      streamOpen(queries)
        ? untilFirstExpiry((query.state.data ?? []).map((input) => input.expiresAt))
        : INBOX_POLL_MS,
    retry: false,
  });
}

export async function startRunbook(
  api: ApiClient,
  name: string,
  params: Record<string, unknown>,
  idempotencyKey: string,
  reason = "",
  gateReviewers?: Record<string, ReviewerChoice>,
): Promise<RunbookRun> {
  const response = await api.send<RunbookRun>(
    "POST",
    `/api/v1/runbooks/${encodeURIComponent(name)}/runs`,
    {
      params,
      ...(reason.trim() ? { reason: reason.trim() } : {}),
      ...(gateReviewers && Object.keys(gateReviewers).length > 0 ? { gateReviewers } : {}),
    },
    { "idempotency-key": idempotencyKey },
  );
  return response.data;
}

/** What a start with these parameters would ask: the gates that let the starter pick reviewers. */
export async function previewRunbook(
  api: ApiClient,
  name: string,
  params: Record<string, unknown>,
): Promise<RunbookPreview> {
  return (
    await api.send<RunbookPreview>("POST", `/api/v1/runbooks/${encodeURIComponent(name)}/preview`, { params })
  ).data;
}

export async function cancelRunbookRun(api: ApiClient, id: string, reason: string): Promise<RunbookRun> {
  const body = reason.trim() ? { reason: reason.trim() } : {};
  return (await api.send<RunbookRun>("POST", `/api/v1/runbook-runs/${encodeURIComponent(id)}/cancel`, body))
    .data;
}

export async function retryRunbookRun(api: ApiClient, id: string): Promise<RunbookRun> {
  return (await api.send<RunbookRun>("POST", `/api/v1/runbook-runs/${encodeURIComponent(id)}/retry`, {}))
    .data;
}

export async function answerHumanStep(
  api: ApiClient,
  id: string,
  step: string,
  answer: Record<string, unknown>,
): Promise<z.output<typeof answerResponse>> {
  const path = `/api/v1/runbook-runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/answer`;
  return (await api.send<z.output<typeof answerResponse>>("POST", path, { answer })).data;
}
