// The signed-in person's notification preferences: what they get by email, per event type
// (GET / PUT /api/v1/me/notification-preferences). Their own choice wins over their groups' defaults.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { notificationPreferences, preferenceBody } from "../../api/notifications.ts";
import { useApi } from "../api/context.ts";

export type NotificationPreferences = z.output<typeof notificationPreferences>;
export type PreferenceChange = z.output<typeof preferenceBody>;

export function usePreferences() {
  const api = useApi();
  return useQuery({
    queryKey: ["notification-preferences"],
    queryFn: ({ signal }) =>
      api.get<NotificationPreferences>("/api/v1/me/notification-preferences", undefined, signal),
  });
}

export function usePreferenceChange() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (change: PreferenceChange) =>
      (await api.send<NotificationPreferences>("PUT", "/api/v1/me/notification-preferences", change)).data,
    onSuccess: (data) => queries.setQueryData(["notification-preferences"], data),
  });
}
