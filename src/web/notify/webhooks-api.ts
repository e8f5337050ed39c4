// Outbound webhooks (admins): the registered webhooks and each one's delivery log.
import { useQuery } from "@tanstack/react-query";
import type { DeliveryLog, WebhookList } from "../../api/webhooks.ts";
import { useApi } from "../api/context.ts";

export function useWebhooks() {
  const api = useApi();
  return useQuery({
    queryKey: ["webhooks"],
    queryFn: ({ signal }) => api.get<WebhookList>("/api/v1/admin/webhooks", undefined, signal),
  });
}

export function useDeliveries(webhookId: string) {
  const api = useApi();
  return useQuery({
    queryKey: ["webhook-deliveries", webhookId],
    queryFn: ({ signal }) =>
      api.get<DeliveryLog>(
        `/api/v1/admin/webhooks/${encodeURIComponent(webhookId)}/deliveries`,
        { limit: 50 },
        signal,
      ),
    refetchInterval: 5_000,
  });
}
