// Live updates: one EventSource per signed-in tab on GET /api/v1/events/stream. An event marks the
// queries it affects as stale (the inbox badge, the inbox, a request, a run, the runs list, a bulk
// batch, the notifications bell), so the page shows the change without a reload and still reads it through the API. The
// browser reconnects by itself and sends Last-Event-ID, so nothing is missed across a blip. A read
// still in flight when its event arrives is made again (`readAgain`): the server may have answered it
// before the change, and react-query would otherwise hand that answer to the event's invalidation.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { readAgain, watchStream } from "../live-stream.ts";
import { onRunbookEvent, RUNBOOK_EVENTS } from "../runbooks/runbook-live.ts";
import { IN_APP_KEY } from "./in-app-api.ts";

const APPROVAL_EVENTS = ["approval.requested", "approval.decided"];
const RUN_EVENTS = ["run.finished", "run.failed"];

export function useLiveUpdates(): void {
  const queries = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource("/api/v1/events/stream");
    const onApproval = (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as { approvalRequestId?: string; runId?: string };
      readAgain(queries, ["approvals-count"]);
      readAgain(queries, ["approvals"]);
      if (data.approvalRequestId) readAgain(queries, ["approval", data.approvalRequestId]);
      if (data.runId) readAgain(queries, ["run", data.runId]);
    };
    const onRun = (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as { runId?: string; approvalRequestId?: string };
      readAgain(queries, ["runs"]);
      if (data.runId) readAgain(queries, ["run", data.runId]);
      if (data.approvalRequestId) readAgain(queries, ["approval", data.approvalRequestId]);
    };
    // A batch moved (items ended, or its status changed): its page asks for it again.
    const onBatch = (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as { batchId?: string };
      if (data.batchId) readAgain(queries, ["bulk", data.batchId]);
    };
    source.addEventListener("bulk.progress", onBatch);
    // One of this person's in-app notifications was written: the bell asks for its list again.
    source.addEventListener("notification.created", () => {
      readAgain(queries, IN_APP_KEY);
    });
    for (const type of APPROVAL_EVENTS) source.addEventListener(type, onApproval);
    for (const type of RUNBOOK_EVENTS) source.addEventListener(type, onRunbookEvent(queries));
    // What changed between the page's first reads and the stream's start was announced before
    // this stream existed: read again what only the stream refreshes (it is not polled while the
    // stream is open), once per (re)connection.
    watchStream(source, queries, [
      ["runbook-run"],
      ["runbook-inputs"],
      IN_APP_KEY,
      ["approvals"],
      ["approvals-count"],
    ]);
    source.addEventListener("ready", () => {
      document.documentElement.dataset.liveStream = "open";
    });
    source.addEventListener("error", () => {
      document.documentElement.dataset.liveStream = "down";
    });
    for (const type of RUN_EVENTS) source.addEventListener(type, onRun);
    return () => source.close();
  }, [queries]);
}
