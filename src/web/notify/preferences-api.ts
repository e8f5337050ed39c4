// The signed-in person's notification preferences: per event type, in the console (the bell), by
// email and as a Slack direct message (GET / PUT /api/v1/me/notification-preferences). Their own
// choice wins over their groups' defaults, which admins set (GET /api/v1/admin/notification-defaults,
// PUT /api/v1/admin/groups/{name}/notification-defaults).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { GroupDefaultList, notificationPreferences, preferenceBody } from "../../api/notifications.ts";
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

const DEFAULTS_KEY = ["notification-defaults"];

export function useGroupDefaults(enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: DEFAULTS_KEY,
    enabled,
    queryFn: ({ signal }) =>
      api.get<GroupDefaultList>("/api/v1/admin/notification-defaults", undefined, signal),
  });
}

export function useGroupDefaultChange() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ group, ...change }: PreferenceChange & { group: string }) =>
      (
        await api.send(
          "PUT",
          `/api/v1/admin/groups/${encodeURIComponent(group)}/notification-defaults`,
          change,
        )
      ).data,
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: DEFAULTS_KEY });
      // The admin's own effective preferences may come from a group they just changed.
      void queries.invalidateQueries({ queryKey: ["notification-preferences"] });
    },
  });
}
