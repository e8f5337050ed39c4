// Run history, one run, and revealing a masked value of a run.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { Accountability, Revealed, RevealedAll, Run, RunPage, RunStatus } from "../../api/runs.ts";
import { useApi } from "./context.ts";
import type { ApiClient, Query } from "./http.ts";

/** The run as its page holds it: a submission's answer first, then GET /api/v1/runs/{id} with its accountability. */
export type RunOnPage = Run & { accountability?: Accountability };

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  "succeeded",
  "failed",
  "rejected",
  "expired",
  "cancelled",
]);

export function isFinal(status: string): boolean {
  return FINAL_STATUSES.has(status as RunStatus);
}

export function useRun(id: string, options: { poll?: boolean; initial?: RunOnPage } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ["run", id],
    ...(options.initial ? { initialData: options.initial, initialDataUpdatedAt: Date.now() } : {}),
    queryFn: ({ signal }) => api.get<RunOnPage>(`/api/v1/runs/${encodeURIComponent(id)}`, undefined, signal),
    // A submission's answer has no accountability (who, what changed): the run's own page asks
    // for it at once instead of showing "no before/after state" for five seconds.
    staleTime: (query) => (query.state.data?.accountability ? 5_000 : 0),
    // Until the run is final, ask again: quickly while it executes, slowly while a person decides.
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      if (!options.poll || !status || isFinal(status)) return false;
      return status === "pending_approval" ? 3_000 : 750;
    },
  });
}

export interface RunFilters {
  action?: string;
  actor?: string;
  status?: string;
  targetType?: string;
  targetId?: string;
  /** A bulk batch's ID: the runs of its items. */
  batch?: string;
  from?: string;
  to?: string;
  /** Text search (action, target, who, error, parameters, an amount). */
  q?: string;
}

export function useRuns(filters: RunFilters, limit = 25) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ["runs", filters, limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<RunPage>("/api/v1/runs", { ...(filters as Query), limit, cursor: pageParam }, signal),
    getNextPageParam: (page) => page.nextCursor,
  });
}

/** Never cached: the value lives only in the component that asked, until it is hidden. */
export async function revealField(
  api: ApiClient,
  runId: string,
  path: (string | number)[],
  reason: string,
): Promise<Revealed> {
  const response = await api.send<Revealed>("POST", `/api/v1/runs/${encodeURIComponent(runId)}/reveal`, {
    path,
    reason,
  });
  return response.data;
}

/**
 * A subject access request: every masked field of a run at once, with one reason. Never cached
 * either: the unmasked package lives in the dialog that asked, until it is closed.
 */
export async function revealAll(api: ApiClient, runId: string, reason: string): Promise<RevealedAll> {
  const response = await api.send<RevealedAll>(
    "POST",
    `/api/v1/runs/${encodeURIComponent(runId)}/reveal-all`,
    { reason },
  );
  return response.data;
}
