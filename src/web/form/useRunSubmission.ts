// One idempotency key per submission (product.md, "Idempotency"): made when a submission starts,
// kept while its outcome is unknown (a retry after a dropped connection is the same submission and
// must not run twice), dropped when the server has answered or the person edits the form. A
// second click while a request is in flight sends nothing at all.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import type { ReviewerChoice, Run } from "../../api/runs.ts";
import { newIdempotencyKey, submitRun } from "../api/actions.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";

export type Outcome =
  | { kind: "run"; run: Run; status: number; requestId: string | null; replayed: boolean; key: string }
  | { kind: "error"; error: unknown; key: string };

/** Whether the server's answer leaves the outcome unknown, so a retry must reuse the key. */
function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  if (error.code === "idempotency.in_progress" || error.status === 0) return true;
  return error.status >= 502 && error.status <= 504 && !error.details.runId;
}

export function useRunSubmission(action: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  const key = useRef<string | null>(null);
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);

  const edited = useCallback(() => {
    if (!inFlight.current) key.current = null;
  }, []);

  const submit = useCallback(
    async (
      params: Record<string, unknown>,
      reason: string | undefined,
      reviewers?: ReviewerChoice,
    ): Promise<Outcome | null> => {
      if (inFlight.current) return null;
      inFlight.current = true;
      setBusy(true);
      key.current ??= newIdempotencyKey();
      const used = key.current;
      try {
        const response = await submitRun(api, action, { params, reason, reviewers, idempotencyKey: used });
        key.current = null;
        return {
          kind: "run",
          run: response.data,
          status: response.status,
          requestId: response.requestId,
          replayed: response.headers.get("idempotent-replayed") === "true",
          key: used,
        };
      } catch (error) {
        if (!outcomeUnknown(error)) key.current = null;
        return { kind: "error", error, key: used };
      } finally {
        inFlight.current = false;
        setBusy(false);
        void queryClient.invalidateQueries({ queryKey: ["runs"] });
        void queryClient.invalidateQueries({ queryKey: ["approvals-count"] });
      }
    },
    [api, action, queryClient],
  );

  return { submit, busy, edited };
}
