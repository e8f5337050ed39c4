// The demo's Mailbox: the emails Airlock sent to the local mail sink. The endpoint exists only in
// demo mode (404 otherwise), so the navigation shows the page only where it answers.
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { NotificationList } from "../../api/notifications.ts";
import type { Me } from "../../api/session.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";
import { isWorkspaceAdmin } from "../api/session.ts";
import { useDemoSwitches } from "./demo-switches-api.ts";

export function useMailbox(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["mailbox"],
    enabled,
    queryFn: async ({ signal }) => {
      try {
        return await api.get<NotificationList>("/api/v1/mailbox", { limit: 100 }, signal);
      } catch (error) {
        if (error instanceof ApiError && (error.notAvailable || error.status === 403)) return null;
        throw error;
      }
    },
    refetchInterval: 5_000,
    retry: false,
  });
}

/**
 * The navigation entries of notifications, for admins: Webhooks, and where they exist (demo
 * mode) the Mailbox and the Demo systems' switches.
 */
export function useMailboxNavItem(
  me: Me | null | undefined,
  pathname: string,
): { to: string; label: string; active: boolean; right?: ReactNode }[] {
  const admin = isWorkspaceAdmin(me);
  const mailbox = useMailbox(admin);
  const switches = useDemoSwitches(admin);
  if (!admin) return [];
  const items = [{ to: "/webhooks", label: "Webhooks", active: pathname.startsWith("/webhooks") }];
  if (mailbox.data) items.push({ to: "/mailbox", label: "Mailbox", active: pathname.startsWith("/mailbox") });
  if (switches.data?.switches.length)
    items.push({ to: "/demo-systems", label: "Demo systems", active: pathname.startsWith("/demo-systems") });
  return items;
}
