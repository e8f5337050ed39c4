// Change requests waiting for a second admin, for the inbox's panel and the nav badge (one query,
// shared): the server lists pending ones to admins only, and says of each whether the viewer may
// decide it.
import { useQuery } from "@tanstack/react-query";
import type { ChangeRequest } from "../../api/governance.ts";
import { useApi } from "../api/context.ts";
import { ApiError } from "../api/http.ts";

export function usePendingChanges() {
  const api = useApi();
  return useQuery({
    queryKey: ["changes", "pending"],
    queryFn: async ({ signal }) => {
      try {
        return await api.get<{ changes: ChangeRequest[] }>("/api/v1/changes", { status: "pending" }, signal);
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable) return { changes: [] };
        throw error;
      }
    },
    refetchInterval: 15_000,
    retry: false,
  });
}

/** How many pending change requests the viewer may decide now (the nav badge adds it). */
export function useDecidableChangeCount(): number {
  const changes = usePendingChanges();
  return (changes.data?.changes ?? []).filter((change) => change.canDecide).length;
}
