// Admin: users, groups and memberships, grants, API tokens, policy modes.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type {
  AdminUser,
  AdminUserList,
  Grant,
  GrantList,
  Group,
  GroupDetail,
  GroupList,
} from "../../api/admin.ts";
import type { Policy, PolicyList, PolicyReport } from "../../api/policies.ts";
import type { Token, TokenList } from "../../api/tokens.ts";
import { useApi } from "./context.ts";

// The names the admin pages use for the contract's types.
export type { AdminUser, Grant as GrantRow, Group as AdminGroup, Policy as PolicyRow, Token };

function useGet<T>(key: unknown[], path: string, query?: Record<string, string | undefined>, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: key,
    enabled,
    queryFn: ({ signal }) => api.get<T>(path, query, signal),
  });
}

export const useAdminUsers = (q: string) =>
  useGet<AdminUserList>(["admin", "users", q], "/api/v1/admin/users", { q: q || undefined });
export const useAdminGroups = () => useGet<GroupList>(["admin", "groups"], "/api/v1/admin/groups");
export const useAdminGroup = (id: string | null) =>
  useGet<GroupDetail>(
    ["admin", "group", id],
    `/api/v1/admin/groups/${encodeURIComponent(id ?? "")}`,
    undefined,
    !!id,
  );
export const useGrants = () => useGet<GrantList>(["admin", "grants"], "/api/v1/admin/grants");
export const useMyTokens = () => useGet<TokenList>(["tokens", "mine"], "/api/v1/tokens");
export const useAllTokens = (enabled: boolean) =>
  useGet<TokenList>(["tokens", "all"], "/api/v1/admin/tokens", undefined, enabled);
export const usePolicies = () => useGet<PolicyList>(["policies"], "/api/v1/policies");
export const usePolicyReport = () => useGet<PolicyReport>(["policies", "report"], "/api/v1/policies/report");

/** Runs a change and refreshes what it touched; the error (with its request ID) goes to the caller. */
export function useAdminChange() {
  const api = useApi();
  const queryClient = useQueryClient();
  return async function change<T>(
    method: "POST" | "PATCH" | "DELETE",
    path: string,
    body: unknown,
    invalidate: unknown[][],
  ): Promise<T> {
    const response = await api.send<T>(method, path, body);
    await Promise.all(invalidate.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    return response.data;
  };
}
