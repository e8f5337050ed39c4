// The approvals inbox: lists, the badge count, one request, and the decisions.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApprovalCount, ApprovalDetail, ApprovalPage } from "../../api/approvals.ts";
import { streamOpen, useStreamState } from "../live-stream.ts";
import { useApi } from "./context.ts";
import { type ApiClient, ApiError } from "./http.ts";
import { isFinal } from "./runs.ts";

export type InboxTab = "pending" | "mine" | "decided";

/** How often the lists are asked again while the live-updates stream is down. */
export const APPROVALS_POLL_MS = 15_000;
/** How often the badge is asked again while the live-updates stream is down. */
export const APPROVAL_COUNT_POLL_MS = 30_000;
// A read at an expiry waits this much past it, so the server's clock has passed it too.
const EXPIRY_MARGIN_MS = 1_000;

/**
 * The lists and the badge follow the live-updates stream (notify/live-updates.ts): a request
 * asked, decided, cancelled or expired elsewhere is an event that marks them stale, and they are
 * polled only while the stream is down. An expiry is recorded (and announced) by the maintenance
 * sweep, minutes after the fact, while the server stops listing a request the moment it expires:
 * so with the stream open they read again when the first request they show expires.
 */
export function untilFirstExpiry(
  expiries: readonly (string | null | undefined)[],
  now = Date.now(),
): number | false {
  let first = Number.POSITIVE_INFINITY;
  for (const at of expiries) {
    const ms = at ? Date.parse(at) : Number.NaN;
    if (Number.isFinite(ms) && ms < first) first = ms;
  }
  if (!Number.isFinite(first)) return false;
  // setInterval's longest delay is about 24.8 days; a later expiry is looked at again then.
  return Math.min(2 ** 31 - 1, Math.max(first - now, 0) + EXPIRY_MARGIN_MS);
}

export function useApprovals(status: InboxTab) {
  const api = useApi();
  const queries = useQueryClient();
  useStreamState();
  return useQuery({
    queryKey: ["approvals", status],
    queryFn: ({ signal }) => api.get<ApprovalPage>("/api/v1/approvals", { status, limit: 100 }, signal),
    refetchInterval: (query) => {
      if (!streamOpen(queries)) return APPROVALS_POLL_MS;
      if (status === "decided") return false;
      return untilFirstExpiry((query.state.data?.approvals ?? []).map((a) => a.expiresAt));
    },
  });
}

/** The nav badge. A server without the approvals API shows no badge rather than an error. */
export function useApprovalCount() {
  const api = useApi();
  const queries = useQueryClient();
  useStreamState();
  return useQuery({
    queryKey: ["approvals-count"],
    queryFn: async ({ signal }) => {
      try {
        return await api.get<ApprovalCount>("/api/v1/approvals/count", undefined, signal);
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return null;
        throw error;
      }
    },
    refetchInterval: (query) =>
      streamOpen(queries) ? untilFirstExpiry([query.state.data?.nextExpiresAt]) : APPROVAL_COUNT_POLL_MS,
    retry: false,
  });
}

export function useApproval(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["approval", id],
    enabled: id !== "",
    queryFn: ({ signal }) =>
      api.get<ApprovalDetail>(`/api/v1/approvals/${encodeURIComponent(id)}`, undefined, signal),
    // Live until the run is final: another reviewer may decide, and after approval the run
    // executes; a page that stays on "Running" until a reload misleads whoever watches it.
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data) return false;
      if (data.status === "pending") return 2_000;
      return isFinal(data.run.status) ? false : 1_000;
    },
  });
}

export type Decision = "approve" | "reject" | "cancel";

export async function decide(
  api: ApiClient,
  id: string,
  decision: Decision,
  reason: string,
): Promise<unknown> {
  const body = reason.trim() ? { reason: reason.trim() } : {};
  return (await api.send("POST", `/api/v1/approvals/${encodeURIComponent(id)}/${decision}`, body)).data;
}
