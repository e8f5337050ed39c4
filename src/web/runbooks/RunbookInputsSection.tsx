// The inbox's runbook part: human steps waiting for the viewer's answer (assigned to them or to
// one of their groups), beside the approvals. Each opens the runbook run, where the form is.
import { Anchor, Badge, Group, Paper, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import { QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { runbookRunPath, useWaitingInputs } from "./runbooks-api.ts";

export function RunbookInputsSection() {
  const inputs = useWaitingInputs();
  if (inputs.isError) return <QueryError error={inputs.error} what="Runbook steps waiting for you" />;
  const rows = inputs.data ?? [];
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
              {rows.map((input) => (
                <Table.Tr key={`${input.runbookRunId}:${input.step}`} data-runbook-input={input.runbookRunId}>
                  <Table.Td>
                    <Anchor component={Link} to={runbookRunPath(input.runbookRunId)} fw={600} size="sm">
                      {input.title ?? input.step}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {input.runbookTitle}
                    <Text size="xs" c="dimmed" ff="monospace">
                      {input.runbookRunId}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Time value={input.waitingSince} />
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Time value={input.expiresAt} />
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
