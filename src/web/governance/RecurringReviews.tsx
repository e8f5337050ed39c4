// Recurring access reviews for admins and auditors: each one's scope, cadence, reviewer, next
// tick and the admin it runs as; admins stop one (the reviews it started stay). One whose admin
// was disabled says it is stalled, and another admin takes it over.
import { Badge, Button, Paper, Table, Text } from "@mantine/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import type { accessReviewSchedule } from "../../api/access-reviews.ts";
import { useApi } from "../api/context.ts";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { Time } from "../components/Time.tsx";

type Schedule = z.output<typeof accessReviewSchedule>;

/** The cadences the server names (access-review-schedules.ts); "once" starts a single review. */
export const REPEAT_CHOICES = [
  { value: "once", label: "Once" },
  { value: "monthly", label: "Monthly" },
  { value: "quarterly", label: "Quarterly" },
  { value: "half-yearly", label: "Every six months" },
  { value: "yearly", label: "Yearly" },
];

export function useRecurringReviews(enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ["access-reviews", "schedules"],
    enabled,
    queryFn: ({ signal }) =>
      api.get<{ schedules: Schedule[] }>("/api/v1/access-reviews/schedules", undefined, signal),
  });
}

export function RecurringReviews({ admin }: { admin: boolean }) {
  const schedules = useRecurringReviews(true);
  const api = useApi();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const active = (schedules.data?.schedules ?? []).filter((s) => s.status === "active");
  if (active.length === 0) return null;
  async function act(id: string, verb: "stop" | "take-over") {
    setError(null);
    try {
      await api.send("POST", `/api/v1/access-reviews/schedules/${encodeURIComponent(id)}/${verb}`, {});
      await queryClient.invalidateQueries({ queryKey: ["access-reviews"] });
    } catch (e) {
      setError(e);
    }
  }
  return (
    <Paper withBorder radius="md" p="md">
      <Text fw={600} mb="xs">
        Recurring reviews
      </Text>
      {error !== null && <ErrorNotice error={error} title="Not changed" />}
      <Table fz="sm" verticalSpacing={4} aria-label="Recurring access reviews">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Covers</Table.Th>
            <Table.Th>Every</Table.Th>
            <Table.Th>Reviewer</Table.Th>
            <Table.Th>Next</Table.Th>
            <Table.Th>Runs as</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {active.map((s) => (
            <Table.Tr key={s.id} data-recurring-review={s.id}>
              <Table.Td>
                {s.scope === "high_risk" ? "Every grant on high-risk actions" : s.groups.join(", ")}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" size="sm">
                  {s.cron} {s.timeZone}
                </Badge>
              </Table.Td>
              <Table.Td>{s.reviewer.name}</Table.Td>
              <Table.Td>{s.nextTicks[0] ? <Time value={s.nextTicks[0]} /> : "-"}</Table.Td>
              <Table.Td>
                {s.runsAs.name}
                {s.stalled && (
                  <Text size="xs" c="red" data-stalled>
                    Stalled: {s.runsAs.name} is disabled, so its ticks are refused (review.schedule_stalled).
                  </Text>
                )}
                {s.lastRefusal && (
                  <Text size="xs" c="dimmed">
                    Last tick refused: {s.lastRefusal.code}, <Time value={s.lastRefusal.at} />
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">
                {admin && s.stalled && (
                  <Button size="compact-xs" variant="light" onClick={() => void act(s.id, "take-over")}>
                    Take over
                  </Button>
                )}
                {admin && (
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    onClick={() => void act(s.id, "stop")}
                  >
                    Stop
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
