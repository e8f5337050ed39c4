// Schedules: each schedule's timing, the service identity it acts as, what it starts, its next
// ticks and last runs; an admin pauses (with a reason) and resumes it. Pausing is audited.
import { Badge, Button, Code, Group, Paper, Stack, Table, Text, TextInput } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { type ScheduleItem, useSchedules } from "./schedules-api.ts";

function PauseControl({ schedule }: { schedule: ScheduleItem }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = async () => {
    setBusy(true);
    setError(null);
    try {
      const verb = schedule.paused ? "resume" : "pause";
      await api.send(
        "POST",
        `/api/v1/schedules/${encodeURIComponent(schedule.name)}/${verb}`,
        !schedule.paused && reason.trim() ? { reason: reason.trim() } : {},
      );
      setReason("");
      await queryClient.invalidateQueries({ queryKey: ["schedules"] });
    } catch (caught) {
      setError(caught instanceof ApiError ? `${caught.message} (${caught.code})` : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap">
        {!schedule.paused && (
          <TextInput
            size="xs"
            placeholder="Why (optional)"
            aria-label={`Reason to pause ${schedule.name}`}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
        )}
        <Button size="xs" variant="light" loading={busy} onClick={change}>
          {schedule.paused ? "Resume" : "Pause"}
        </Button>
      </Group>
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}

function LastRuns({ schedule }: { schedule: ScheduleItem }) {
  if (schedule.lastRuns.length === 0)
    return (
      <Text size="xs" c="dimmed">
        No run yet.
      </Text>
    );
  return (
    <Stack gap={2}>
      {schedule.lastRuns.slice(0, 3).map((tick) => (
        <Group key={tick.tickAt} gap={6} wrap="nowrap" data-tick={tick.tickAt}>
          <Time value={tick.tickAt} />
          {tick.status === "refused" ? (
            <Badge color="red" size="sm">{`refused: ${tick.errorCode}`}</Badge>
          ) : tick.runId ? (
            <Link to={`/runs/${tick.runId}`}>{tick.targetStatus ?? "run"}</Link>
          ) : (
            <Text size="xs">{tick.targetStatus ?? "started"}</Text>
          )}
          {tick.forEachRunbookRunIds.length > 0 && (
            <Text size="xs" c="dimmed">{`+ ${tick.forEachRunbookRunIds.length} runbook runs`}</Text>
          )}
          {tick.catchUp && <Badge size="xs">caught up</Badge>}
        </Group>
      ))}
    </Stack>
  );
}

export default function SchedulesPage() {
  const schedules = useSchedules();
  return (
    <>
      <PageHeader
        title="Schedules"
        description="Actions and runbooks started on a timetable, each as a service identity. Each tick runs once."
      />
      {schedules.isPending ? (
        <ListSkeleton rows={3} label="Loading schedules" />
      ) : schedules.isError ? (
        <QueryError error={schedules.error} what="The schedules" />
      ) : schedules.data.schedules.length === 0 ? (
        <Empty title="No schedule you may see." />
      ) : (
        <Paper withBorder radius="md">
          <Table aria-label="Schedules" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>Starts</Table.Th>
                <Table.Th>Next runs</Table.Th>
                <Table.Th>Last runs</Table.Th>
                <Table.Th>State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {schedules.data.schedules.map((s) => (
                <Table.Tr key={s.name} data-schedule={s.name}>
                  <Table.Td>
                    <Text fw={600}>{s.title}</Text>
                    <Code>{s.timing}</Code>
                    <Text size="xs" c="dimmed">{`as ${s.as}`}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{`${s.target.kind} ${s.target.name}`}</Text>
                    {s.target.forEach && (
                      <Text size="xs" c="dimmed">{`then runbook ${s.target.forEach} for each result`}</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {s.nextTicks.length === 0 ? (
                      <Text size="xs" c="dimmed">
                        None while paused
                      </Text>
                    ) : (
                      <Stack gap={2} aria-label={`Next runs of ${s.name}`}>
                        {s.nextTicks.slice(0, 3).map((at) => (
                          <Time key={at} value={at} />
                        ))}
                      </Stack>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <LastRuns schedule={s} />
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <Badge color={s.paused ? "yellow" : "teal"}>{s.paused ? "Paused" : "Active"}</Badge>
                      {s.paused && s.changedBy && (
                        <Text size="xs" c="dimmed">
                          {`by ${s.changedBy.name ?? s.changedBy.id}${s.reason ? `: “${s.reason}”` : ""}`}
                        </Text>
                      )}
                      {s.canAdmin && <PauseControl schedule={s} />}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </>
  );
}
