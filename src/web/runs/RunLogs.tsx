// The run page's "Logs" section: what the handler logged with ctx.log (masked and capped on the
// server). Fetched once the run is final; a run still executing has not stored its lines yet.
import { Badge, Code, Paper, ScrollArea, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { RunLogs as RunLogsBody } from "../../api/runs.ts";
import { useApi } from "../api/context.ts";
import { QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";

const LEVEL_COLOR: Record<string, string> = { debug: "gray", info: "blue", warn: "yellow", error: "red" };

export function RunLogs({ runId, final }: { runId: string; final: boolean }) {
  const api = useApi();
  const logs = useQuery({
    queryKey: ["run", runId, "logs"],
    enabled: final,
    queryFn: ({ signal }) =>
      api.get<RunLogsBody>(`/api/v1/runs/${encodeURIComponent(runId)}/logs`, undefined, signal),
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="run-logs">
      <Title order={2} size="h4" id="run-logs" mb="sm">
        Logs
      </Title>
      {!final ? (
        <Text size="sm" c="dimmed">
          Shown when the run has finished.
        </Text>
      ) : logs.isError ? (
        <QueryError error={logs.error} what="The run's logs" />
      ) : !logs.data ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : logs.data.lines.length === 0 ? (
        <Text size="sm" c="dimmed">
          The handler logged nothing.
        </Text>
      ) : (
        <ScrollArea.Autosize mah={360}>
          <Table fz="sm" verticalSpacing={4} aria-label="Log lines">
            <Table.Tbody>
              {logs.data.lines.map((line) => (
                <Table.Tr key={`${line.attempt}-${line.seq}`}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>
                    <Time value={line.at} />
                  </Table.Td>
                  <Table.Td>
                    <Badge size="xs" variant="light" color={LEVEL_COLOR[line.level] ?? "gray"}>
                      {line.level}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{line.message}</Text>
                    {line.data && <Code block>{JSON.stringify(line.data, null, 2)}</Code>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      )}
    </Paper>
  );
}
