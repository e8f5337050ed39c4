// The signed-in person's in-app notifications (GET /api/v1/me/notifications) and marking them read.
// The list is fetched again when the events stream says one was created for this person
// (`notification.created`, live-updates.ts), so the bell changes without a reload.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { InAppNotificationList, markReadBody } from "../../api/notifications.ts";
import { useApi } from "../api/context.ts";

export const IN_APP_KEY = ["in-app-notifications"];

export function useInAppNotifications() {
  const api = useApi();
  return useQuery({
    queryKey: IN_APP_KEY,
    queryFn: ({ signal }) => api.get<InAppNotificationList>("/api/v1/me/notifications", undefined, signal),
  });
}

export function useMarkRead() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: z.input<typeof markReadBody>) =>
      (await api.send<{ marked: number }>("POST", "/api/v1/me/notifications/read", body)).data,
    onSuccess: () => queries.invalidateQueries({ queryKey: IN_APP_KEY }),
  });
}
