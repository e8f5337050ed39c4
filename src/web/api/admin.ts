// Admin: users, groups and memberships, grants, API tokens, policy modes.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useApi } from "./context.ts";
import type { Reviewers } from "./types.ts";

export interface AdminUser {
  id: string;
  kind: "human" | "service";
  email: string | null;
  name: string;
  status: "active" | "disabled";
  source: string;
  groups: string[];
  hasPassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  lockedUntil: string | null;
}

export interface AdminGroup {
  id: string;
  name: string;
  description: string | null;
  source: string;
  ssoAliases: string[];
  memberCount: number;
  roles?: string[];
  members?: { userId: string; email: string | null; name: string; status: string; source: string }[];
}

export interface GrantRow {
  id: string;
  source: "config" | "admin";
  subjectKind: "role" | "group";
  subject: string;
  verbs: string[];
  on: string;
  createdBy: string | null;
  createdAt: string | null;
}

export interface Token {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  status: "active" | "expired" | "revoked";
}

export interface PolicyRow {
  name: string;
  action: string;
  actionTitle: string;
  description: string | null;
  conditional: boolean;
  reviewers: Reviewers;
  quorum: number;
  expiresInMs: number;
  mode: "enforce" | "monitor";
  codeMode: "enforce" | "monitor";
  override: { mode: string; reason: string; changedBy: string; changedAt: string | null } | null;
  canChangeMode: boolean;
}

export interface PolicyReportRow {
  action: string;
  policy: string;
  mode: "enforce" | "monitor";
  codeMode: "enforce" | "monitor";
  totals: {
    wouldHaveGated: number;
    requested: number;
    pending: number;
    approved: number;
    rejected: number;
    expired: number;
    cancelled: number;
  };
  byRequester: { id: string; name: string | null; wouldHaveGated: number; requested: number }[];
}

function useGet<T>(key: unknown[], path: string, query?: Record<string, string | undefined>, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: key,
    enabled,
    queryFn: ({ signal }) => api.get<T>(path, query, signal),
  });
}

export const useAdminUsers = (q: string) =>
  useGet<{ users: AdminUser[] }>(["admin", "users", q], "/api/v1/admin/users", { q: q || undefined });
export const useAdminGroups = () =>
  useGet<{ groups: AdminGroup[] }>(["admin", "groups"], "/api/v1/admin/groups");
export const useAdminGroup = (id: string | null) =>
  useGet<AdminGroup>(
    ["admin", "group", id],
    `/api/v1/admin/groups/${encodeURIComponent(id ?? "")}`,
    undefined,
    !!id,
  );
export const useGrants = () =>
  useGet<{
    code: GrantRow[];
    stored: GrantRow[];
    roles: Record<string, { groups: string[]; description: string }>;
  }>(["admin", "grants"], "/api/v1/admin/grants");
export const useMyTokens = () => useGet<{ tokens: Token[] }>(["tokens", "mine"], "/api/v1/tokens");
export const useAllTokens = (enabled: boolean) =>
  useGet<{ tokens: Token[] }>(["tokens", "all"], "/api/v1/admin/tokens", undefined, enabled);
export const usePolicies = () => useGet<{ policies: PolicyRow[] }>(["policies"], "/api/v1/policies");
export const usePolicyReport = () =>
  useGet<{ policies?: PolicyReportRow[]; report?: PolicyReportRow[]; from?: string; to?: string }>(
    ["policies", "report"],
    "/api/v1/policies/report",
  );

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
