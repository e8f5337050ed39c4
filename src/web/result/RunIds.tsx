import { Anchor, Badge, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import type { Run } from "../../api/runs.ts";
import { CopyText } from "../components/CopyText.tsx";

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      {children}
    </Stack>
  );
}

/** The identifiers to quote: run ID, request ID(s), idempotency key. */
export function RunIds({
  run,
  requestId,
  replayed,
}: {
  run: Run;
  requestId?: string | null;
  replayed?: boolean;
}) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
      <Item label="Run ID">
        <Group gap={6} wrap="nowrap">
          <CopyText value={run.id} label="run ID" size="xs" truncate />
          <Anchor component={Link} to={`/runs/${run.id}`} size="xs">
            Open
          </Anchor>
        </Group>
      </Item>
      <Item label="Request ID">
        <CopyText value={run.requestId} label="request ID" size="xs" truncate />
      </Item>
      {run.executionRequestId && run.executionRequestId !== run.requestId && (
        <Item label="Execution request ID">
          <CopyText value={run.executionRequestId} label="execution request ID" size="xs" truncate />
        </Item>
      )}
      {requestId && requestId !== run.requestId && (
        <Item label="This response's request ID">
          <CopyText value={requestId} label="response request ID" size="xs" truncate />
        </Item>
      )}
      {run.idempotencyKey && (
        <Item label="Idempotency key">
          <Group gap={6} wrap="nowrap">
            <CopyText value={run.idempotencyKey} label="idempotency key" size="xs" truncate />
            {replayed && (
              <Badge size="xs" variant="light" color="gray">
                Replayed
              </Badge>
            )}
          </Group>
        </Item>
      )}
    </SimpleGrid>
  );
}
