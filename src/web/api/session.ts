// Who is signed in (GET /api/v1/me), how one may sign in, and sign-in / sign-out.
import { useQuery } from "@tanstack/react-query";
import type { Verb } from "../../api/common.ts";
import type { Me, Providers, SessionResponse, SessionState } from "../../api/session.ts";
import { useApi } from "./context.ts";
import { type ApiClient, ApiError } from "./http.ts";

export const ME_KEY = ["me"] as const;
/** Why the last session ended (shown on the sign-in page), set when an API call answered 401. */
export const SIGNED_OUT_KEY = ["signed-out-reason"] as const;

/** Who is signed in, or null: GET /api/v1/session answers 200 either way (no 401 in the console). */
export async function fetchMe(api: ApiClient): Promise<Me | null> {
  const { me } = (await api.request<SessionState>("GET", "/api/v1/session", { quiet401: true })).data;
  api.csrfToken = me?.csrfToken ?? null;
  return me;
}

export function useMe() {
  const api = useApi();
  return useQuery({ queryKey: ME_KEY, queryFn: () => fetchMe(api), staleTime: 60_000 });
}

/** The signed-in user; only for components rendered inside RequireSession. */
export function useCurrentUser(): Me {
  const { data } = useMe();
  if (!data) throw new Error("useCurrentUser() outside a signed-in page");
  return data;
}

export function useProviders() {
  const api = useApi();
  return useQuery({
    queryKey: ["auth-providers"],
    queryFn: async (): Promise<Providers> => {
      try {
        return await api.get<Providers>("/api/v1/auth/providers");
      } catch (error) {
        if (error instanceof ApiError && error.notAvailable)
          return { password: true, oidc: { enabled: false } };
        throw error;
      }
    },
    staleTime: 5 * 60_000,
  });
}

export async function signIn(api: ApiClient, email: string, password: string): Promise<void> {
  const { data } = await api.request<SessionResponse>("POST", "/api/v1/session", {
    body: { email, password },
    quiet401: true,
  });
  api.csrfToken = data.csrfToken;
}

export async function signOut(api: ApiClient): Promise<void> {
  try {
    await api.request("DELETE", "/api/v1/session", { quiet401: true });
  } finally {
    api.csrfToken = null;
  }
}

export function can(me: Me | null | undefined, verb: Verb, action: string): boolean {
  return me?.permissions?.actions[verb]?.includes(action) ?? false;
}

export function canRevealClass(me: Me | null | undefined, piiClass: string, action: string): boolean {
  const reveal = me?.permissions?.reveal ?? {};
  return (reveal[piiClass] ?? []).includes(action) || (reveal["*"] ?? []).includes(action);
}

export function isWorkspaceAdmin(me: Me | null | undefined): boolean {
  return me?.permissions?.workspaceAdmin ?? false;
}

/**
 * Auditors (audit on some action) see the audit explorer. Administering access is not reading
 * the trail: an admin without `audit` would open it only to be refused, so it is not offered.
 */
export function canSeeAudit(me: Me | null | undefined): boolean {
  if (!me?.permissions) return false;
  return me.permissions.actions.audit.length > 0;
}

export function canSeeAdmin(me: Me | null | undefined): boolean {
  if (!me?.permissions) return false;
  return me.permissions.workspaceAdmin || me.permissions.actions.admin.length > 0;
}
