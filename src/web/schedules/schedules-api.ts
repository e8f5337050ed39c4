// Schedules: the list (next ticks, last runs, paused), refreshed while the page is open.
import { useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import type { scheduleList } from "../../api/schedules.ts";
import { useApi } from "../api/context.ts";

export type ScheduleList = z.output<typeof scheduleList>;
export type ScheduleItem = ScheduleList["schedules"][number];

export function useSchedules() {
  const api = useApi();
  return useQuery({
    queryKey: ["schedules"],
    queryFn: ({ signal }) => api.get<ScheduleList>("/api/v1/schedules", undefined, signal),
    refetchInterval: 10_000,
  });
}
