import { Alert, Button, Group, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import type { ApprovalDetail } from "../../api/approvals.ts";
import { type Decision, decide } from "../api/approvals.ts";
import { useApi } from "../api/context.ts";
import { useCurrentUser } from "../api/session.ts";
import { StatusBadge } from "../components/Badges.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { useToast } from "../components/toasts.tsx";
import { useConfirm } from "../components/useConfirm.tsx";

const DONE: Record<Decision, string> = {
  approve: "Approved: the action runs now",
  reject: "Rejected: nothing was run",
  cancel: "Request cancelled",
};

/**
 * Approve / Reject for a reviewer who may decide; for the requester only "waiting" and Cancel —
 * a self-approval is never offered (and the server refuses it on every channel anyway).
 */
export function DecisionPanel({ approval }: { approval: ApprovalDetail }) {
  const api = useApi();
  const me = useCurrentUser();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [busy, setBusy] = useState<Decision | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The decision made on this page: its outcome replaces the buttons, where the person looks.
  const [decided, setDecided] = useState<Decision | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (decided) outcomeRef.current?.scrollIntoView({ block: "nearest" });
  }, [decided]);
  const toast = useToast();
  const [confirm, confirmDialog] = useConfirm();
  const mine = approval.requester.id === me.user.id;
  const pending = approval.status === "pending";

  async function submit(decision: Decision) {
    if (busy) return;
    if (decision === "reject" && reason.trim().length === 0) {
      setReasonError("A rejection needs a reason");
      document.getElementById("decision-reason")?.focus();
      return;
    }
    // Approving a high or critical action runs it: ask first, naming it (critical: type its target).
    const risk = approval.action.risk;
    if (decision === "approve" && (risk === "high" || risk === "critical")) {
      const target = approval.target ? `${approval.target.type} ${approval.target.id}` : null;
      const ok = await confirm({
        title: `Approve “${approval.action.title}”${target ? ` on ${target}` : ""}?`,
        message: `This ${risk}-risk action runs as soon as you approve, with exactly the values shown on this page${risk === "critical" ? ", and cannot be undone" : ""}.`,
        confirm: "Approve and run",
        danger: risk === "critical",
        ...(risk === "critical" ? { typeToConfirm: approval.target?.id ?? approval.action.name } : {}),
      });
      if (!ok) return;
    }
    setBusy(decision);
    setError(null);
    try {
      await decide(api, approval.id, decision, reason);
      setReason("");
      setDecided(decision);
      toast({ kind: "success", title: DONE[decision], message: approval.action.title });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ["approval", approval.id] }),
        queryClient.invalidateQueries({ queryKey: ["approvals"] }),
        queryClient.invalidateQueries({ queryKey: ["approvals-count"] }),
        queryClient.invalidateQueries({ queryKey: ["run", approval.run.id] }),
        queryClient.invalidateQueries({ queryKey: ["runs"] }),
      ]);
    } catch (e) {
      setError(e);
      toast({
        kind: "failure",
        title: "The decision was not recorded",
        message: e instanceof Error ? e.message : undefined,
      });
    } finally {
      setBusy(null);
    }
  }

  if (!pending && decided)
    return (
      <Paper withBorder radius="md" p="md" component="section" ref={outcomeRef} data-decision-outcome>
        <Stack gap={6} role="status">
          <Text fw={600}>{DONE[decided]}</Text>
          <Group gap={6}>
            <Text size="sm">The run:</Text>
            <StatusBadge status={approval.run.status} />
            <Button component={Link} to={`/runs/${approval.run.id}`} size="compact-sm" variant="light">
              Open the run
            </Button>
          </Group>
          {approval.run.error && (
            <Text size="sm" c="red.8">
              {approval.run.error.message}
            </Text>
          )}
        </Stack>
      </Paper>
    );
  if (!pending) return null;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="decision-title">
      {confirmDialog}
      <Title order={2} size="h4" id="decision-title" mb="sm">
        Decision
      </Title>
      {mine ? (
        <Stack gap="sm">
          <Alert
            color="yellow"
            variant="light"
            title="You requested this — waiting for a reviewer"
            data-own-request
          >
            Someone else must decide. You can cancel the request while it is pending.
          </Alert>
          {approval.canCancel && (
            <Group>
              <Button
                variant="default"
                color="red"
                loading={busy === "cancel"}
                onClick={() => void submit("cancel")}
              >
                Cancel my request
              </Button>
            </Group>
          )}
        </Stack>
      ) : approval.canDecide ? (
        <Stack gap="sm">
          <Textarea
            id="decision-reason"
            label="Reason"
            description="Required to reject; optional to approve. Kept in the audit trail and shown to the requester."
            autosize
            minRows={2}
            value={reason}
            error={reasonError}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              setReasonError(null);
            }}
          />
          <Group gap="sm">
            <Button
              color="teal.9"
              loading={busy === "approve"}
              disabled={busy !== null}
              onClick={() => void submit("approve")}
            >
              Approve
            </Button>
            <Button
              color="red.9"
              variant="outline"
              loading={busy === "reject"}
              disabled={busy !== null}
              onClick={() => void submit("reject")}
            >
              Reject
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Approving runs the action with exactly the values shown above.
          </Text>
        </Stack>
      ) : (
        <Alert color="gray" variant="light" title="You cannot decide on this request">
          {approval.whyNot?.message ?? "You are not among its reviewers."}
        </Alert>
      )}
      {error !== null && (
        <div style={{ marginTop: 12 }}>
          <ErrorNotice error={error} title="The decision was not recorded" />
        </div>
      )}
    </Paper>
  );
}
