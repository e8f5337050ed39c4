// The audit trail: search, export links, integrity verification.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type {
  AuditActor,
  AuditActorList,
  AuditEvent,
  AuditPage,
  AuditVerification,
} from "../../api/audit.ts";
import { useApi } from "./context.ts";
import { ApiError, type Query, withQuery } from "./http.ts";

export const AUDIT_FILTERS = [
  "actorId",
  "action",
  "targetType",
  "targetId",
  "requestId",
  "runId",
  "outcome",
  "type",
  "from",
  "to",
] as const;

export type AuditFilters = Partial<Record<(typeof AUDIT_FILTERS)[number], string>>;

export function useAuditEvents(filters: AuditFilters, options: { enabled?: boolean; limit?: number } = {}) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ["audit", filters, options.limit ?? 50],
    enabled: options.enabled ?? true,
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const page = await api.get<AuditPage>(
        "/api/v1/audit",
        { ...(filters as Query), limit: options.limit ?? 50, cursor: pageParam },
        signal,
      );
      return { events: page.events, nextCursor: page.nextCursor, actors: page.actors };
    },
    getNextPageParam: (page) => page.nextCursor,
  });
}

/** People and service identities by name, email or ID (for the audit's person filter). */
export function useAuditActors(text: string, enabled = true) {
  const api = useApi();
  const q = text.trim();
  return useQuery({
    queryKey: ["audit-actors", q],
    enabled: enabled && q.length > 0,
    staleTime: 60_000,
    queryFn: async ({ signal }) =>
      (await api.get<AuditActorList>("/api/v1/audit/actors", { q }, signal)).actors,
  });
}

export type { AuditActor };

export function exportUrl(format: "csv" | "jsonl", filters: AuditFilters): string {
  return withQuery("/api/v1/audit/export", { format, ...(filters as Query) });
}

/**
 * Download an export through fetch, not a plain link: a refused export (403) then says why in
 * the page instead of a download the browser silently cancels.
 */
export async function downloadExport(format: "csv" | "jsonl", filters: AuditFilters): Promise<void> {
  const response = await fetch(exportUrl(format, filters), { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) {
    const envelope = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string; requestId?: string };
    } | null;
    throw new ApiError({
      status: response.status,
      code: envelope?.error?.code ?? `http.${response.status}`,
      message: envelope?.error?.message ?? `The export was refused (${response.status}).`,
      requestId: envelope?.error?.requestId ?? response.headers.get("x-request-id"),
    });
  }
  const name =
    /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ??
    `airlock-audit.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export function useAuditVerification(enabled: boolean, filters: Query = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ["audit-verify", filters],
    enabled,
    queryFn: ({ signal }) => api.get<AuditVerification>("/api/v1/audit/verify", filters, signal),
    staleTime: 0,
    gcTime: 0,
  });
}

export function eventTime(event: AuditEvent): string {
  return event.occurredAt;
}
