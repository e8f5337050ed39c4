import { Alert, Button, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { useEffect, useRef } from "react";
import { Link } from "react-router";
import type { ActionDetail } from "../../api/actions.ts";
import type { Run } from "../../api/runs.ts";
import { ApiError } from "../api/http.ts";
import { isFinal, useRun } from "../api/runs.ts";
import { canRevealClass, useCurrentUser } from "../api/session.ts";
import { BulkRowsLink } from "../bulk/BulkRowsLink.tsx";
import { SaveQueryButton } from "../bulk/SaveQueryButton.tsx";
import { StatusBadge } from "../components/Badges.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import type { Outcome } from "../form/useRunSubmission.ts";
import { PendingApproval } from "./PendingApproval.tsx";
import { ResultView } from "./ResultView.tsx";
import { RevealAllButton } from "./RevealAll.tsx";
import { RunIds } from "./RunIds.tsx";
import { piiPathsOf } from "./result-shape.ts";
import { RevealContext } from "./reveal-context.ts";

function LiveRun({ outcome, action }: { outcome: Extract<Outcome, { kind: "run" }>; action: ActionDetail }) {
  const me = useCurrentUser();
  // Follow the run until it is final: queued → running → succeeded, or a reviewer's decision.
  const query = useRun(outcome.run.id, { poll: true, initial: outcome.run });
  const run: Run = query.data ?? outcome.run;
  const scope = {
    runId: run.id,
    section: "result" as const,
    piiPaths: piiPathsOf(action.outputSchema),
    canReveal: (piiClass: string) => canRevealClass(me, piiClass, action.name),
  };
  return (
    <Stack gap="md">
      {/* Announced to screen readers as it arrives and as it changes (queued → succeeded). */}
      <Group gap="sm" hidden={run.status === "pending_approval"} role="status" aria-live="polite">
        <StatusBadge status={run.status} />
        {!isFinal(run.status) && run.status !== "pending_approval" && (
          <Loader size="xs" aria-label="Running" />
        )}
      </Group>
      {run.status === "pending_approval" && <PendingApproval run={run} action={action} />}
      {run.status === "failed" && run.error && (
        <Alert color="red" variant="light" title="The action failed" role="alert">
          <Text size="sm">{run.error.message}</Text>
          <Text size="xs" c="dimmed" ff="monospace">
            {run.error.code}
          </Text>
        </Alert>
      )}
      {(run.status === "rejected" || run.status === "expired" || run.status === "cancelled") && (
        <Alert color="gray" variant="light" title="Not run">
          This request was {run.status}; nothing was executed.
        </Alert>
      )}
      {run.status === "succeeded" && (
        <Group justify="flex-end">
          <RevealAllButton run={run} paramsSchema={action.paramsSchema} outputSchema={action.outputSchema} />
        </Group>
      )}
      {run.status === "succeeded" && (
        <RevealContext value={scope}>
          <ResultView
            value={run.result}
            fileName={`${action.name}-${run.id}`}
            outputSchema={action.outputSchema}
          />
          <BulkRowsLink runId={run.id} result={run.result} />
          <SaveQueryButton action={action} params={run.params} />
        </RevealContext>
      )}
      <RunIds run={run} requestId={outcome.requestId} replayed={outcome.replayed} />
    </Stack>
  );
}

/** What happened after "Run": the result, a pending approval, a run in progress, or the error. */
export function RunOutcome({ outcome, action }: { outcome: Outcome; action: ActionDetail }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  // Keyed by the outcome (ActionPage): each new outcome mounts anew, takes the focus once and is
  // scrolled into view from its top, so the result (a new balance) is on screen without scrolling.
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    panel.current?.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
  }, []);
  const runId =
    outcome.kind === "error" &&
    outcome.error instanceof ApiError &&
    typeof outcome.error.details.runId === "string"
      ? outcome.error.details.runId
      : null;
  return (
    <Paper
      ref={panel}
      withBorder
      radius="md"
      p="lg"
      data-run-outcome
      aria-labelledby="outcome-heading"
      style={{ scrollMarginTop: 72 }}
    >
      <Title
        order={2}
        size="h4"
        mb="sm"
        id="outcome-heading"
        ref={heading}
        tabIndex={-1}
        style={{ outline: "none" }}
      >
        {outcome.kind === "error" ? "Not done" : "Outcome"}
      </Title>
      {outcome.kind === "error" ? (
        <Stack gap="sm">
          <ErrorNotice
            error={outcome.error}
            title={runId ? "The action failed" : "The request was refused"}
          />
          {runId && (
            <Button component={Link} to={`/runs/${runId}`} variant="default" size="xs" w="fit-content">
              Open the run
            </Button>
          )}
        </Stack>
      ) : (
        <LiveRun outcome={outcome} action={action} />
      )}
    </Paper>
  );
}
