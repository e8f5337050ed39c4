// A runbook run, live: its steps as a timeline (the human step's form inline for its assignee),
// progress, log and result, the six questions for the whole run (with the starter's reason), and
// cancel (and why) and retry from the failed step for people who may run the runbook. Asked again
// every second until the run is final.
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Code,
  Grid,
  Group,
  Modal,
  Paper,
  Progress,
  Stack,
  Text,
  Textarea,
} from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useApi } from "../api/context.ts";
import { CopyText } from "../components/CopyText.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { PageLoader, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { ResultView } from "../result/ResultView.tsx";
import { RunbookQuestions } from "./RunbookQuestions.tsx";
import { RunbookStatusBadge } from "./RunbookStatusBadge.tsx";
import {
  cancelRunbookRun,
  type RunbookRun,
  retryRunbookRun,
  useRunbookRun,
  useRunbooks,
} from "./runbooks-api.ts";
import { StepTimeline } from "./StepTimeline.tsx";

function RunControls({ run }: { run: RunbookRun }) {
  const api = useApi();
  const queries = useQueryClient();
  const runbooks = useRunbooks();
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The server decides; the buttons are offered to those it would allow (run on the runbook).
  const canRun = runbooks.data?.find((r) => r.name === run.runbook)?.canRun ?? false;
  const cancellable = canRun && (run.status === "running" || run.status === "waiting");
  const retryable = canRun && run.status === "failed" && run.error?.step;
  if (!cancellable && !retryable && error === null) return null;

  async function act(what: () => Promise<RunbookRun>) {
    setBusy(true);
    setError(null);
    try {
      queries.setQueryData(["runbook-run", run.id], await what());
      setCancelling(false);
      setReason("");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      void queries.invalidateQueries({ queryKey: ["runbook-run", run.id] });
    }
  }

  return (
    <Stack gap="xs">
      <Group gap="sm">
        {retryable && (
          <Button onClick={() => void act(() => retryRunbookRun(api, run.id))} loading={busy}>
            Retry from “{run.error?.step}”
          </Button>
        )}
        {cancellable && (
          <Button color="red.9" variant="outline" onClick={() => setCancelling(true)}>
            Cancel runbook
          </Button>
        )}
      </Group>
      {error !== null && !cancelling && <ErrorNotice error={error} />}
      <Modal
        opened={cancelling}
        onClose={() => setCancelling(false)}
        title={<Text fw={600}>Cancel this runbook run?</Text>}
        centered
      >
        <Stack gap="md">
          <Text size="sm">
            Steps already done stay done and stay listed; nothing after them runs. The cancel is audited with
            your name and reason.
          </Text>
          <Textarea
            label="Reason"
            description="Kept with the run and in the audit trail."
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-autofocus
          />
          {error !== null && <ErrorNotice error={error} />}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={() => setCancelling(false)}>
              Keep it running
            </Button>
            <Button
              color="red.9"
              loading={busy}
              onClick={() => void act(() => cancelRunbookRun(api, run.id, reason))}
            >
              Cancel runbook
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function Summary({ run }: { run: RunbookRun }) {
  const row = (label: string, value: React.ReactNode) => (
    <Group justify="space-between" gap="xs" wrap="nowrap">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="sm" ta="right" component="div">
        {value}
      </Text>
    </Group>
  );
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap={6}>
        {row("Started by", run.actor.name ?? run.actor.id)}
        {row("Reason", run.reason ? <span data-start-reason>“{run.reason}”</span> : "None given")}
        {row("Started", <Time value={run.createdAt} />)}
        {row("Finished", <Time value={run.finishedAt} />)}
        {run.attempt > 1 && row("Attempt", run.attempt)}
        {row("Version", <Code>{run.version.slice(0, 12)}</Code>)}
        {row("Request ID", <CopyText value={run.requestId} label="request ID" size="xs" />)}
        {run.cancelledBy && row("Cancelled by", run.cancelledBy)}
      </Stack>
    </Paper>
  );
}

function RunbookProgress({ run }: { run: RunbookRun }) {
  if (!run.progress || run.progress.total <= 0) return null;
  const { done, total, label } = run.progress;
  const percent = Math.min(100, Math.round((done / total) * 100));
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          Progress
        </Text>
        <Text size="sm" c="dimmed">
          {done} of {total}
          {label ? ` ${label}` : ""}
        </Text>
      </Group>
      <Progress
        value={percent}
        size="lg"
        radius="sm"
        animated={run.status === "running"}
        aria-label={`Progress: ${done} of ${total}`}
      />
    </Stack>
  );
}

function Logs({ run }: { run: RunbookRun }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Text fw={600} size="sm" mb="xs">
        Log
      </Text>
      {run.logs.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing logged yet.
        </Text>
      ) : (
        <Stack
          gap={4}
          aria-label="Runbook log"
          component="ol"
          style={{ listStyle: "none", padding: 0, margin: 0 }}
        >
          {run.logs.map((log) => (
            <Text key={log.seq} size="sm" component="li">
              <Text span size="xs" c="dimmed" ff="monospace">
                {new Date(log.at).toLocaleTimeString("en-US", { hour12: false })}
              </Text>{" "}
              {log.message}
            </Text>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

export default function RunbookRunPage() {
  const { id = "" } = useParams();
  const query = useRunbookRun(id);
  if (query.isPending) return <PageLoader label="Loading the runbook run" />;
  if (query.isError && !query.data) return <QueryError error={query.error} what="This runbook run" />;
  const run = query.data;
  if (!run) return null;
  return (
    <>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/">
          Actions
        </Anchor>
        <Anchor component={Link} to={`/runbooks/${run.runbook}`}>
          {run.title}
        </Anchor>
        <Text size="sm" ff="monospace">
          {run.id}
        </Text>
      </Breadcrumbs>
      <PageHeader
        title={run.title}
        description={`Runbook run ${run.id}`}
        badges={
          <span data-run-status={run.status}>
            <RunbookStatusBadge status={run.status} />
          </span>
        }
      >
        <RunControls run={run} />
      </PageHeader>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="lg">
            {run.status === "failed" && run.error && (
              <Alert
                color="red"
                variant="light"
                title={run.error.step ? `Failed at “${run.error.step}”` : "Failed"}
              >
                {run.error.message}{" "}
                <Text span size="xs" ff="monospace">
                  ({run.error.code})
                </Text>
              </Alert>
            )}
            {run.status === "cancelled" && (
              <Alert color="gray" variant="light" title="Cancelled">
                {run.cancelReason ? `“${run.cancelReason}”` : "No reason given."} Steps done before it was
                cancelled stay done.
              </Alert>
            )}
            <RunbookProgress run={run} />
            <Paper withBorder radius="md" p="lg">
              <Text fw={600} mb="md">
                Steps
              </Text>
              <StepTimeline run={run} />
            </Paper>
            {run.status === "succeeded" && (
              <Paper withBorder radius="md" p="lg">
                <ResultView value={run.result} fileName={run.id} />
              </Paper>
            )}
            {run.questions && <RunbookQuestions questions={run.questions} />}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="lg">
            <Summary run={run} />
            <Paper withBorder radius="md" p="md">
              <ResultView value={run.params} fileName={`${run.id}-params`} title="Parameters" />
            </Paper>
            <Logs run={run} />
          </Stack>
        </Grid.Col>
      </Grid>
    </>
  );
}
