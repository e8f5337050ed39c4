// Access and policy changes waiting for a second admin, at the top of the approvals inbox. Shown
// only when there is something to list (admins; anyone else gets an empty list from the server).
// Approve and Reject are offered only where the server says the caller may decide (`canDecide`);
// otherwise the reason is shown (your own change, a change that gives you access).
import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ChangeRequest } from "../../api/governance.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";
import { Time } from "../components/Time.tsx";
import { usePendingChanges } from "./changes-api.ts";

const WHY_NOT: Record<string, string> = {
  "approval.self_approval": "your own change",
  "approval.own_access": "gives you access",
  "approval.not_reviewer": "admins only",
  "approval.already_decided": "you decided",
  "approval.not_pending": "decided",
};

function ChangeRow({ change }: { change: ChangeRequest }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = async (verb: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    try {
      await api.send(
        "POST",
        `/api/v1/changes/${encodeURIComponent(change.id)}/${verb}`,
        reason.trim() ? { reason: reason.trim() } : {},
      );
      await queryClient.invalidateQueries({ queryKey: ["changes"] });
    } catch (caught) {
      setError(caught instanceof ApiError ? `${caught.message} (${caught.code})` : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Table.Tr data-change-row={change.id} id={change.id}>
      <Table.Td>
        <Text size="sm" fw={600}>
          {change.summary}
        </Text>
        <Text size="xs" c="dimmed">
          {change.whyFourEyes ? `Needs a second admin: ${change.whyFourEyes}` : change.kind}
        </Text>
      </Table.Td>
      <Table.Td>
        {change.requester.name}
        {change.reason && (
          <Text size="xs" c="dimmed" lineClamp={1}>
            “{change.reason}”
          </Text>
        )}
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        {change.expiresAt && <Time value={change.expiresAt} />}
      </Table.Td>
      <Table.Td>
        {change.canDecide ? (
          <Stack gap={4}>
            <TextInput
              size="xs"
              aria-label={`Reason for ${change.summary}`}
              placeholder="Reason (needed to reject)"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Group gap={4}>
              <Button size="xs" loading={busy} onClick={() => decide("approve")}>
                Approve change
              </Button>
              <Button
                size="xs"
                variant="default"
                disabled={busy || !reason.trim()}
                onClick={() => decide("reject")}
              >
                Reject
              </Button>
            </Group>
            {error && (
              <Text size="xs" c="red" role="alert">
                {error}
              </Text>
            )}
          </Stack>
        ) : (
          <Badge variant="default" size="sm">
            {WHY_NOT[change.whyNot ?? ""] ?? change.whyNot}
          </Badge>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export function ChangeRequestsPanel() {
  const changes = usePendingChanges();
  const rows = changes.data?.changes ?? [];
  if (rows.length === 0) return null;
  return (
    <Paper withBorder radius="md" p="md" mb="lg" data-change-requests>
      <Title order={2} size="h4" mb={4}>
        Access and policy changes
      </Title>
      <Alert variant="light" color="yellow" mb="sm" p="xs">
        These changes wait for a second admin. Nobody approves their own change, or a change that gives them
        access.
      </Alert>
      <Table verticalSpacing="sm" fz="sm" aria-label="Access and policy changes">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Change</Table.Th>
            <Table.Th>Requested by</Table.Th>
            <Table.Th>Expires</Table.Th>
            <Table.Th w={260}>Decision</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((change) => (
            <ChangeRow key={change.id} change={change} />
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
