// An approval gate on the runbook run's page: what it asks and of whom, the decisions so far, and
// Approve / Reject (with a reason) for someone who may decide now. The runbook's starter never
// may (the server says why, and that is shown instead of the buttons).
import { Button, Group, Paper, Stack, Text, Textarea } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { Time } from "../components/Time.tsx";
import { decideGate, type GateApproval } from "./gate-api.ts";
import { isFinalRunbookStatus, type RunbookRun, type RunbookStep } from "./runbooks-api.ts";

function reviewersText(approval: GateApproval): string {
  const who = [
    ...approval.reviewers.groups.map((g) => `the ${g} group`),
    ...approval.reviewers.users.map((u) => u),
  ];
  const list = who.length > 0 ? who.join(" or ") : "a reviewer";
  return approval.quorum > 1 ? `${approval.quorum} approvals from ${list}` : `an approval from ${list}`;
}

export function GateDecision({
  run,
  step,
  approval,
}: {
  run: RunbookRun;
  step: RunbookStep;
  approval: GateApproval;
}) {
  const api = useApi();
  const queries = useQueryClient();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const open = approval.status === "pending" && !isFinalRunbookStatus(run.status);

  async function decide(verb: "approve" | "reject") {
    setBusy(verb);
    setError(null);
    try {
      queries.setQueryData(["runbook-run", run.id], await decideGate(api, run.id, step.name, verb, reason));
      // Gates are listed and counted with the approvals inbox.
      void queries.invalidateQueries({ queryKey: ["approvals"] });
      void queries.invalidateQueries({ queryKey: ["approvals-count"] });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
      void queries.invalidateQueries({ queryKey: ["runbook-run", run.id] });
    }
  }

  return (
    <Stack gap={4} data-gate={step.name}>
      <Text size="sm">
        Needs {reviewersText(approval)}
        {/* The step's title is usually the gate's reason already: not said twice. */}
        {approval.reason && approval.reason !== step.title && <> · “{approval.reason}”</>}
        {open && (
          <Text span size="xs" c="dimmed">
            {" "}
            · expires <Time value={approval.expiresAt} />
          </Text>
        )}
      </Text>
      {approval.decisions.map((d) => (
        <Text size="sm" key={`${d.reviewer.id}:${d.decidedAt}`} data-gate-decision>
          {d.decision === "approve" ? "Approved" : d.decision === "reject" ? "Rejected" : d.decision} by{" "}
          <strong>{d.reviewer.name ?? d.reviewer.id}</strong> <Time value={d.decidedAt} />
          {d.reason && <> · “{d.reason}”</>}
        </Text>
      ))}
      {open && approval.canDecide && (
        <Paper withBorder radius="md" p="md" bg="yellow.0">
          <Stack gap="sm">
            <Text fw={600} size="sm">
              Your decision is needed
            </Text>
            <Textarea
              label="Reason"
              description="Required to reject. Kept with the decision and in the audit trail."
              autosize
              minRows={2}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            {error !== null && <ErrorNotice error={error} />}
            <Group justify="flex-end" gap="sm">
              <Button
                color="red.9"
                variant="outline"
                loading={busy === "reject"}
                disabled={busy !== null}
                onClick={() => void decide("reject")}
              >
                Reject
              </Button>
              <Button
                loading={busy === "approve"}
                disabled={busy !== null}
                onClick={() => void decide("approve")}
              >
                Approve
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
      {open && !approval.canDecide && (
        <Text size="sm" c="dimmed">
          {approval.whyNot?.message ?? "Waiting for a reviewer's decision."}
        </Text>
      )}
    </Stack>
  );
}
