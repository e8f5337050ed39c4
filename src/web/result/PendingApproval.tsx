import { Alert, Button, Group, Loader, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import type { ActionDetail } from "../../api/actions.ts";
import type { Run } from "../../api/runs.ts";
import { ClockIcon } from "../components/icons.tsx";
import { Reviewers } from "./Reviewers.tsx";

/** 202 pending_approval: nothing has run; who can approve, and where the request is. */
export function PendingApproval({ run, action }: { run: Run; action: ActionDetail }) {
  const policies = action.approval.policies.filter((p) => p.mode === "enforce");
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<ClockIcon size={18} />}
      title="Waiting for approval"
      role="status"
    >
      <Stack gap="sm">
        <Text size="sm">
          Nothing has run yet. A reviewer must approve this request; it then runs with exactly these values.
          You can leave this page — the request stays in the approvals inbox.
        </Text>
        {policies.map((policy) => (
          <Stack key={policy.name} gap={2}>
            {policy.description && (
              <Text size="sm" fw={500}>
                {policy.description}
              </Text>
            )}
            <Reviewers reviewers={policy.reviewers} quorum={policy.quorum} />
          </Stack>
        ))}
        <Group gap="sm">
          {run.approvalRequestId && (
            <Button component={Link} to={`/approvals/${run.approvalRequestId}`} size="xs" variant="white">
              Open the request
            </Button>
          )}
          <Group gap={6}>
            <Loader size="xs" color="yellow.8" aria-hidden="true" />
            <Text size="xs" c="dimmed">
              This page updates when it is decided.
            </Text>
          </Group>
        </Group>
      </Stack>
    </Alert>
  );
}
