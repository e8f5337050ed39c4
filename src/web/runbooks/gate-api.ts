// Approval gates (`rb.approve`) from the web: a gate step's approval, deciding it, and the gates
// the viewer may decide now. Typed here by what GET /api/v1/runbook-runs/{id} and
// GET /api/v1/runbook-gates answer where gates exist; a server without them lists none.
import { useQuery } from "@tanstack/react-query";
import { useApi } from "../api/context.ts";
import { type ApiClient, ApiError } from "../api/http.ts";
import type { RunbookRun, RunbookStep } from "./runbooks-api.ts";

export interface GateApproval {
  requestId: string;
  status: string;
  reason: string | null;
  reviewers: { groups: string[]; users: string[] };
  quorum: number;
  decisions: {
    reviewer: { id: string; name: string | null };
    decision: string;
    reason: string | null;
    channel: string;
    decidedAt: string;
  }[];
  expiresAt: string;
  decidedAt: string | null;
  canDecide: boolean;
  whyNot: { code: string; message: string } | null;
}

export interface WaitingGate {
  runbookRunId: string;
  runbook: string;
  runbookTitle: string;
  step: string;
  startedBy: string;
  waitingSince: string;
  approval: GateApproval;
}

/** The gate's approval, when the step is a gate. */
export function gateOf(step: RunbookStep): GateApproval | null {
  const approval = (step as { approval?: unknown }).approval;
  return approval && typeof approval === "object" ? (approval as GateApproval) : null;
}

export async function decideGate(
  api: ApiClient,
  run: string,
  step: string,
  verb: "approve" | "reject",
  reason: string,
): Promise<RunbookRun> {
  const path = `/api/v1/runbook-runs/${encodeURIComponent(run)}/steps/${encodeURIComponent(step)}/${verb}`;
  return (await api.send<RunbookRun>("POST", path, reason.trim() ? { reason: reason.trim() } : {})).data;
}

/** Gates the viewer may decide now, for the inbox and its badge. */
export function useWaitingGates() {
  const api = useApi();
  return useQuery({
    queryKey: ["runbook-gates"],
    queryFn: async ({ signal }) => {
      try {
        return (await api.get<{ gates: WaitingGate[] }>("/api/v1/runbook-gates", undefined, signal)).gates;
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return [];
        throw error;
      }
    },
    refetchInterval: 15_000,
    retry: false,
  });
}
