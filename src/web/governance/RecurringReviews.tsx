// Recurring access reviews for admins and auditors: each one's scope, cadence, reviewer, next
// tick and the last review it started; admins stop one (the reviews it started stay).
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
  async function stop(id: string) {
    setError(null);
    try {
      await api.send("POST", `/api/v1/access-reviews/schedules/${encodeURIComponent(id)}/stop`, {});
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
      {error !== null && <ErrorNotice error={error} title="Not stopped" />}
      <Table fz="sm" verticalSpacing={4} aria-label="Recurring access reviews">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Covers</Table.Th>
            <Table.Th>Every</Table.Th>
            <Table.Th>Reviewer</Table.Th>
            <Table.Th>Next</Table.Th>
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
              <Table.Td ta="right">
                {admin && (
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => void stop(s.id)}>
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
