// The catalog, one action, and starting a run.
import { useQuery } from "@tanstack/react-query";
import type { ActionDetail, ActionList } from "../../api/actions.ts";
import type { ReviewerChoice, Run } from "../../api/runs.ts";
import { useApi } from "./context.ts";
import type { ApiClient, ApiResponse } from "./http.ts";

/** The catalog; `q` asks the server to search too. */
export function useActions(q = "", enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["actions", q],
    enabled,
    queryFn: ({ signal }) => api.get<ActionList>("/api/v1/actions", { q }, signal),
    staleTime: 30_000,
    select: (data) => data.actions,
  });
}

export function useAction(name: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["action", name],
    enabled: name !== "",
    queryFn: ({ signal }) =>
      api.get<ActionDetail>(`/api/v1/actions/${encodeURIComponent(name)}`, undefined, signal),
    staleTime: 30_000,
  });
}

export interface RunSubmission {
  params: Record<string, unknown>;
  reason?: string | undefined;
  /** Reviewers the requester picked (only where the action's policy allows it). */
  reviewers?: ReviewerChoice | undefined;
  idempotencyKey: string;
}

/** POST …/runs: 200 with the finished run, 202 while it waits (approval, queue), or an ApiError. */
export function submitRun(
  api: ApiClient,
  action: string,
  submission: RunSubmission,
): Promise<ApiResponse<Run>> {
  return api.send<Run>(
    "POST",
    `/api/v1/actions/${encodeURIComponent(action)}/runs`,
    {
      params: submission.params,
      ...(submission.reason ? { reason: submission.reason } : {}),
      ...(submission.reviewers ? { reviewers: submission.reviewers } : {}),
    },
    { "idempotency-key": submission.idempotencyKey },
  );
}

/** A random idempotency key for one form submission. */
export function newIdempotencyKey(): string {
  return `web-${crypto.randomUUID()}`;
}

/**
 * Runs an action and waits for its result: for lookups, whose answer fills a form's options.
 * The server usually answers 200 at once; a 202 (queued) is followed until the run is final.
 */
export async function runAndWait(
  api: ApiClient,
  action: string,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Run> {
  let run = (await submitRun(api, action, { params, idempotencyKey: newIdempotencyKey() })).data;
  const deadline = Date.now() + 15_000;
  while (
    !["succeeded", "failed", "rejected", "expired", "cancelled", "pending_approval"].includes(run.status)
  ) {
    if (Date.now() > deadline) throw new Error(`${action} did not finish in time.`);
    await new Promise((r) => setTimeout(r, 300));
    run = await api.get<Run>(`/api/v1/runs/${encodeURIComponent(run.id)}`, undefined, signal);
  }
  return run;
}
