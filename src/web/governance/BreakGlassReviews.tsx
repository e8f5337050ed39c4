// The post-review queue of break-glass: ended elevations waiting for a second person to record
// what they checked. The server lists them to admins only and refuses the holder's own review.
import { Button, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { BreakGlass } from "../../api/governance.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { Time } from "../components/Time.tsx";

function Row({ elevation }: { elevation: BreakGlass }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  async function review() {
    setError(null);
    try {
      await api.send("POST", `/api/v1/break-glass/${elevation.id}/review`, { note: note.trim() });
      await queryClient.invalidateQueries({ queryKey: ["break-glass", "review"] });
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Table.Tr data-break-glass-review={elevation.id}>
      <Table.Td>
        {elevation.user.name}
        <Text size="xs" c="dimmed">
          {elevation.role} · <Time value={elevation.startedAt} /> to{" "}
          <Time value={elevation.endedAt ?? elevation.endsAt} />
        </Text>
      </Table.Td>
      <Table.Td>{elevation.reason}</Table.Td>
      <Table.Td>
        {elevation.active ? (
          <Text size="xs" c="dimmed">
            still in force
          </Text>
        ) : (
          <Stack gap={4}>
            <TextInput
              size="xs"
              aria-label={`What you checked for ${elevation.user.name}`}
              placeholder="What you checked"
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
            <Group gap={4}>
              <Button size="compact-xs" disabled={!note.trim()} onClick={() => void review()}>
                Mark reviewed
              </Button>
            </Group>
            {error !== null && <ErrorNotice error={error} />}
          </Stack>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export function BreakGlassReviews() {
  const api = useApi();
  const pending = useQuery({
    queryKey: ["break-glass", "review"],
    queryFn: ({ signal }) =>
      api.get<{ elevations: BreakGlass[] }>("/api/v1/break-glass", { review: "pending" }, signal),
  });
  const rows = pending.data?.elevations ?? [];
  return (
    <Paper withBorder radius="md" p="md" data-break-glass-reviews>
      <Title order={3} size="h5" mb={4}>
        Break-glass post-reviews
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No elevation waits for its post-review.
        </Text>
      ) : (
        <Table fz="sm" verticalSpacing={4} aria-label="Break-glass post-reviews">
          <Table.Tbody>
            {rows.map((elevation) => (
              <Row key={elevation.id} elevation={elevation} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
