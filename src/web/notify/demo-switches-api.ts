// The demo's switches (admins, demo mode only; the endpoint answers 404 elsewhere, and the
// navigation shows the page only where it answers).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DemoSwitchList, DemoSwitchView } from "../../api/demo-switches.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";

export function useDemoSwitches(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ["demo-switches"],
    enabled,
    queryFn: async ({ signal }) => {
      try {
        return await api.get<DemoSwitchList>("/api/v1/admin/demo/switches", undefined, signal);
      } catch (error) {
        if (error instanceof ApiError && (error.notAvailable || error.status === 403)) return null;
        throw error;
      }
    },
    retry: false,
  });
}

export function useSetDemoSwitch() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ name, value }: { name: string; value: string }) =>
      (
        await api.send<DemoSwitchView>("PUT", `/api/v1/admin/demo/switches/${encodeURIComponent(name)}`, {
          value,
        })
      ).data,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["demo-switches"] }),
  });
}
