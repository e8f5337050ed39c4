// Outbound webhooks (admins): the registered webhooks, each one's delivery log, and the changes
// an admin makes (register, disable, enable, delete).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { CreatedWebhook, DeliveryLog, NewWebhookBody, WebhookList } from "../../api/webhooks.ts";
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

export function useWebhookChanges() {
  const api = useApi();
  const queryClient = useQueryClient();
  const settled = () => queryClient.invalidateQueries({ queryKey: ["webhooks"] });
  return {
    register: useMutation({
      mutationFn: async (body: NewWebhookBody) =>
        (await api.send<CreatedWebhook>("POST", "/api/v1/admin/webhooks", body)).data,
      onSettled: settled,
    }),
    setDisabled: useMutation({
      mutationFn: async ({ id, disabled }: { id: string; disabled: boolean }) =>
        (
          await api.send(
            "POST",
            `/api/v1/admin/webhooks/${encodeURIComponent(id)}/${disabled ? "disable" : "enable"}`,
          )
        ).data,
      onSettled: settled,
    }),
    remove: useMutation({
      mutationFn: async (id: string) => {
        await api.send("DELETE", `/api/v1/admin/webhooks/${encodeURIComponent(id)}`);
      },
      onSettled: settled,
    }),
  };
}
