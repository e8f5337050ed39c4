// Reading the audit trail is itself audited (PCI DSS 10.2.1.3): searching, exporting and verifying
// each leave an event. This builds that event, so every entry point (HTTP, CLI) records the same
// fields: who, which filters, and how it went.
import type { AuditEventInput, ClientInfo } from "./audit-event.ts";
import type { AuditFilters } from "./audit-filter.ts";

export interface AuditAccess {
  type: "audit.viewed" | "audit.exported" | "audit.verified";
  actorId: string | null;
  actorKind?: "human" | "service" | "anonymous" | null;
  requestId?: string | null;
  client?: ClientInfo;
  filters?: AuditFilters;
  /** e.g. the export format, the number of events returned, or the verify result. */
  data?: Record<string, unknown>;
  outcome?: AuditEventInput["outcome"];
  errorCode?: string | null;
}

export function auditAccessEvent(access: AuditAccess): AuditEventInput {
  const filters = access.filters
    ? Object.fromEntries(
        Object.entries(access.filters)
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]),
      )
    : undefined;
  return {
    type: access.type,
    outcome: access.outcome ?? "success",
    actorId: access.actorId,
    actorKind: access.actorKind ?? null,
    requestId: access.requestId ?? null,
    errorCode: access.errorCode ?? null,
    targetType: "audit",
    params: filters,
    data: access.data,
    clientIp: access.client?.clientIp ?? null,
    userAgent: access.client?.userAgent ?? null,
  };
}
