// The signed-in person's in-app notifications (GET /api/v1/me/notifications, a page at a time:
// "Load more" asks for the page before the last one's cursor) and marking them read. The list is
// fetched again when the events stream says one was created for this person
// (`notification.created`, live-updates.ts), so the bell changes without a reload: react-query
// refetches the first page and then each older one from the refreshed page's cursor, so a new one
// appears at the top and none repeats or goes missing below.
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { InAppNotificationList, markReadBody } from "../../api/notifications.ts";
import { useApi } from "../api/context.ts";

export const IN_APP_KEY = ["in-app-notifications"];

export function useInAppNotifications() {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: IN_APP_KEY,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get<InAppNotificationList>(
        "/api/v1/me/notifications",
        pageParam === null ? undefined : { before: pageParam },
        signal,
      ),
    getNextPageParam: (page) => page.nextCursor,
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
