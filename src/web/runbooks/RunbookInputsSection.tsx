// The inbox's runbook part: the human steps runbooks wait for the viewer to answer (assigned to
// them or to one of their groups), beside the approvals. Each opens the runbook run, where the
// form is. A runbook's approval gates are approval requests: the approvals list and its count
// carry them (GET /api/v1/approvals), so they are not repeated here.
import { Anchor, Badge, Group, Paper, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import { QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { runbookRunPath, useWaitingInputs } from "./runbooks-api.ts";

interface Row {
  key: string;
  runbookRunId: string;
  what: "Answer";
  title: string;
  note: string | null;
  runbookTitle: string;
  waitingSince: string;
  expiresAt: string | null;
}

/** How many human steps wait for the viewer (the nav badge adds it to approvals, gates included). */
export function useRunbookWaitingCount(): number {
  const inputs = useWaitingInputs();
  return inputs.data?.length ?? 0;
}

export function RunbookInputsSection() {
  const inputs = useWaitingInputs();
  if (inputs.isError) return <QueryError error={inputs.error} what="Runbook steps waiting for you" />;
  const rows: Row[] = [
    ...(inputs.data ?? []).map((input) => ({
      key: `${input.runbookRunId}:${input.step}`,
      runbookRunId: input.runbookRunId,
      what: "Answer" as const,
      title: input.title ?? input.step,
      note: null,
      runbookTitle: input.runbookTitle,
      waitingSince: input.waitingSince,
      expiresAt: input.expiresAt,
    })),
  ].sort((a, b) => a.waitingSince.localeCompare(b.waitingSince));
  // Nothing waiting takes no room: most people's inbox is approvals.
  if (rows.length === 0) return null;
  return (
    <Stack gap="xs" mb="lg" component="section" aria-label="Runbook steps waiting for you">
      <Group gap="xs">
        <Text fw={600}>Runbook steps waiting for you</Text>
        <Badge size="sm" variant="filled" circle>
          {rows.length}
        </Badge>
      </Group>
      <Paper withBorder radius="md">
        <ScrollArea type="auto">
          <Table highlightOnHover verticalSpacing="sm" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Step</Table.Th>
                <Table.Th>Runbook</Table.Th>
                <Table.Th>Waiting since</Table.Th>
                <Table.Th>Expires</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.key} data-runbook-input={row.runbookRunId} data-waiting-for={row.what}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Badge size="xs" variant="default" radius="sm">
                        {row.what}
                      </Badge>
                      <Anchor component={Link} to={runbookRunPath(row.runbookRunId)} fw={600} size="sm">
                        {row.title}
                      </Anchor>
                    </Group>
                    {row.note && (
                      <Text size="xs" c="dimmed" lineClamp={1}>
                        “{row.note}”
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {row.runbookTitle}
                    <Text size="xs" c="dimmed" ff="monospace">
                      {row.runbookRunId}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Time value={row.waitingSince} />
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Time value={row.expiresAt} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Paper>
    </Stack>
  );
}
