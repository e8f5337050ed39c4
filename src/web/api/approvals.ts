// The approvals inbox: lists, the badge count, one request, and the decisions.
import { useQuery } from "@tanstack/react-query";
import type { ApprovalCount, ApprovalDetail, ApprovalPage } from "../../api/approvals.ts";
import { useApi } from "./context.ts";
import { type ApiClient, ApiError } from "./http.ts";
import { isFinal } from "./runs.ts";

export type InboxTab = "pending" | "mine" | "decided";

export function useApprovals(status: InboxTab) {
  const api = useApi();
  return useQuery({
    queryKey: ["approvals", status],
    queryFn: ({ signal }) => api.get<ApprovalPage>("/api/v1/approvals", { status, limit: 100 }, signal),
    refetchInterval: 15_000,
  });
}

/** The nav badge. A server without the approvals API shows no badge rather than an error. */
export function useApprovalCount() {
  const api = useApi();
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
    refetchInterval: 30_000,
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
