import type { ApiClient } from "../api/http.ts";
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
