// One batch, live: a progress bar with counts and ETA (polled every second while it moves), its
// approval (Approve / Reject for reviewers, never for the requester: the server refuses that too),
// pause / resume / cancel, its items filterable by status, and the report once it ended.
import { Alert, Badge, Button, Group, Progress, Stack, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import type { BulkBatch } from "../../api/bulk.ts";
import { useApi } from "../api/context.ts";
import { useCurrentUser } from "../api/session.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { BatchItems } from "./BatchItems.tsx";
import { batchCommand, useBatch } from "./bulk-api.ts";
import { money } from "./money.ts";

const ENDED = new Set(["succeeded", "failed", "stopped", "cancelled", "rejected", "expired"]);

export default function BulkBatchPage() {
  const id = useParams().id ?? "";
  const batch = useBatch(id);
  const me = useCurrentUser();
  const api = useApi();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (batch.isPending) return <PageLoader />;
  if (batch.isError) return <QueryError error={batch.error} what="the batch" />;
  const b: BulkBatch = batch.data;
  const done = b.counts.succeeded + b.counts.failed + b.counts.skipped;
  const percent = b.itemCount === 0 ? 100 : Math.round((done / b.itemCount) * 100);
  const mine = b.requester.id === me.user.id;
  const command = async (verb: "approve" | "reject" | "pause" | "resume" | "cancel") => {
    setBusy(true);
    setError(null);
    try {
      client.setQueryData(["bulk", id], await batchCommand(api, id, verb));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="md" data-bulk-batch={b.id}>
      <PageHeader
        title={`Batch of ${b.itemCount} × ${b.action}`}
        description={`Started by ${b.requester.name ?? b.requester.id}${b.reason ? ` · ${b.reason}` : ""} · total ${money(b.totals)}`}
        badges={<Badge data-bulk-status>{b.status.replace("_", " ")}</Badge>}
      />
      <Progress value={percent} size="xl" aria-label={`Batch progress: ${done} of ${b.itemCount} items`} />
      <Text data-bulk-counts>
        {done} / {b.itemCount} · succeeded {b.counts.succeeded} · failed {b.counts.failed} · skipped{" "}
        {b.counts.skipped}
        {b.etaSeconds !== null ? ` · about ${b.etaSeconds} s left` : ""}
      </Text>
      {b.stopReason ? (
        <Alert color="red" title="Stopped">
          {b.stopReason}
        </Alert>
      ) : null}
      {b.status === "pending_approval" ? (
        <Alert color="blue" title="Waiting for approval">
          {mine
            ? "A second person must approve this batch before any item runs."
            : "Approve to run every item of this batch under your approval."}
        </Alert>
      ) : null}
      <Group>
        {b.status === "pending_approval" && !mine ? (
          <>
            <Button disabled={busy} onClick={() => command("approve")}>
              Approve batch
            </Button>
            <Button disabled={busy} variant="default" onClick={() => command("reject")}>
              Reject
            </Button>
          </>
        ) : null}
        {b.status === "running" ? (
          <Button disabled={busy} variant="default" onClick={() => command("pause")}>
            Pause
          </Button>
        ) : null}
        {b.status === "paused" ? (
          <Button disabled={busy} onClick={() => command("resume")}>
            Resume
          </Button>
        ) : null}
        {!ENDED.has(b.status) ? (
          <Button disabled={busy} color="red" variant="light" onClick={() => command("cancel")}>
            Cancel batch
          </Button>
        ) : null}
        {b.status !== "pending_approval" ? (
          <Button component={Link} variant="default" to={`/runs?batch=${encodeURIComponent(b.id)}`}>
            Runs of this batch
          </Button>
        ) : null}
        {ENDED.has(b.status) ? (
          <Button
            component="a"
            variant="default"
            href={`/api/v1/bulk/${encodeURIComponent(b.id)}/report.csv`}
          >
            Download report (CSV)
          </Button>
        ) : null}
      </Group>
      {error ? <ErrorNotice error={error} /> : null}
      <BatchItems batch={b} />
    </Stack>
  );
}
