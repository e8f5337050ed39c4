// A runbook's live events (`runbook.step`, `runbook.progress`, `runbook.finished`, from GET /api/v1/events/stream):
// each marks stale what it changes — the runbook run's page, its runbook's list of runs, the
// human steps waiting in the inbox and the approvals list with its badge (a gate is one) — so the
// page shows the change without a reload, read again through the API.
import type { QueryClient } from "@tanstack/react-query";
import { readAgain } from "../live-stream.ts";

export const RUNBOOK_EVENTS = ["runbook.step", "runbook.progress", "runbook.finished"];

export function onRunbookEvent(queries: QueryClient) {
  return (message: MessageEvent<string>) => {
    const data = JSON.parse(message.data) as { runbookRunId?: string; runbook?: string; kind?: string };
    if (data.runbookRunId) readAgain(queries, ["runbook-run", data.runbookRunId]);
    if (data.runbook) readAgain(queries, ["runbook-runs", data.runbook]);
    if (message.type === "runbook.progress") return;
    readAgain(queries, ["runbook-inputs"]);
    if (data.kind === "approval" || message.type === "runbook.finished") {
      readAgain(queries, ["approvals"]);
      readAgain(queries, ["approvals-count"]);
    }
  };
}
