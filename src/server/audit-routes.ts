// The audit trail over HTTP: search, export and verify. Who may read it: holders of `audit` on
// `*` read everything (logins, grant changes, every action); holders of `audit` on some actions
// read those actions' events only. Every read leaves its own audit event (PCI DSS 10.2.1.3).
import { Readable } from "node:stream";
import type { Context } from "hono";
import { stream } from "hono/streaming";
import {
  auditActorList,
  auditActorsQuery,
  auditExportBody,
  auditPage,
  auditVerification,
} from "../api/audit.ts";
import { auditAccessEvent } from "../audit/audit-access.ts";
import { actorsByIds, findActors } from "../audit/audit-actors.ts";
import { exportAudit, exportContentType } from "../audit/audit-export.ts";
import { type AuditFilters, auditExportQuerySchema, auditSearchQuerySchema } from "../audit/audit-filter.ts";
import { searchAudit } from "../audit/audit-search.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { verifyAudit } from "../audit/verify.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { AppEnv } from "./app-env.ts";
import { json, type RouteTable } from "./route.ts";

export interface AuditRoutesDeps {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  database: Database;
  /** Owner URL: verification reads in its own snapshot over several connections. */
  databaseUrl: string;
  /** Public keys seals are signed with (verify requires a valid signature when given). */
  verifyKeys: () => string[];
}

/** Which events a principal may read: all, or those of some actions; refuses when none. */
async function readableScope(
  deps: AuditRoutesDeps,
  principal: Principal,
): Promise<{ all: true } | { all: false; actions: string[] }> {
  if (await deps.authorizer.holdsOnAll(principal, "audit")) return { all: true };
  const actions: string[] = [];
  for (const action of deps.workspace.actions.values()) {
    if ((await deps.authorizer.can(principal, "audit", action)).allowed) actions.push(action.name);
  }
  if (actions.length === 0) throw new AirlockError("permission.denied", "You may not read the audit trail.");
  return { all: false, actions };
}

function scoped(
  filters: AuditFilters,
  scope: { all: true } | { all: false; actions: string[] },
): AuditFilters | null {
  if (scope.all) return filters;
  if (filters.action !== undefined) return scope.actions.includes(filters.action) ? filters : null;
  // No action named: the events of every action they may read, and nothing else (no logins,
  // no grant changes), rather than a refusal they can only fix by guessing a filter.
  return { ...filters, actions: scope.actions };
}

export function auditRoutes(deps: AuditRoutesDeps) {
  const record = (
    c: Context<AppEnv>,
    principal: Principal,
    type: "audit.viewed" | "audit.exported" | "audit.verified",
    filters: AuditFilters | undefined,
    data: Record<string, unknown>,
    outcome: "success" | "failure" = "success",
  ) =>
    appendAudit(deps.database.pool, [
      auditAccessEvent({
        type,
        actorId: principal.id,
        actorKind: principal.kind,
        requestId: c.get("requestId"),
        client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        ...(filters ? { filters } : {}),
        data,
        outcome,
      }),
    ]);

  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/audit",
      summary: "Search the audit trail (newest first, keyset pages)",
      tags: ["audit"],
      auth: "principal",
      query: auditSearchQuerySchema,
      responses: { 200: { description: "A page of events, newest first", schema: auditPage } },
      async handler(c, { principal, query }) {
        const scope = await readableScope(deps, principal);
        const { limit, cursor, ...filters } = query;
        // An action-scoped auditor must name one of their actions; they never see other events.
        const allowed = scoped(filters, scope);
        if (!allowed) {
          throw new AirlockError(
            "permission.denied",
            `You may read the audit of these actions only: ${scope.all ? "" : scope.actions.join(", ")}. Filter by action.`,
          );
        }
        const page = await searchAudit(deps.database.pool, {
          ...allowed,
          limit,
          ...(cursor ? { cursor } : {}),
        });
        await record(c, principal, "audit.viewed", allowed, { returned: page.events.length, limit });
        const actors = await actorsByIds(
          deps.database.pool,
          page.events.flatMap((e) => [e.actorId, e.onBehalfOf]),
        );
        return json(c, { ...page, actors: Object.fromEntries(actors) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/audit/actors",
      summary: "Find people and service identities by name, email or ID, to filter the audit by",
      tags: ["audit"],
      auth: "principal",
      query: auditActorsQuery,
      responses: { 200: { description: "At most 20, by name", schema: auditActorList } },
      async handler(c, { principal, query }) {
        // Only for those who may read some of the audit: the list of staff is not for everyone.
        await readableScope(deps, principal);
        return json(c, { actors: await findActors(deps.database.pool, query.q) });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/audit/export",
      summary: "Export the audit trail as CSV or JSON Lines (streamed; spreadsheet formulas neutralized)",
      tags: ["audit"],
      auth: "principal",
      query: auditExportQuerySchema,
      responses: {
        200: {
          description: "The events as CSV or JSON Lines, oldest first",
          schema: auditExportBody,
          mediaTypes: ["text/csv", "application/x-ndjson"],
        },
      },
      async handler(c, { principal, query }) {
        const scope = await readableScope(deps, principal);
        const { format, ...filters } = query;
        const allowed = scoped(filters, scope);
        if (!allowed)
          throw new AirlockError(
            "permission.denied",
            "Filter the export by one of the actions whose audit you may read.",
          );
        // Recorded before the first byte: an export that is interrupted was still an export.
        await record(c, principal, "audit.exported", allowed, { format });
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        c.header("Content-Type", exportContentType(format));
        c.header("Content-Disposition", `attachment; filename="airlock-audit-${stamp}.${format}"`);
        c.header("Cache-Control", "no-store");
        const source = Readable.from(exportAudit(deps.database.streamPool, allowed, format));
        return stream(c, async (out) => {
          for await (const chunk of source) await out.write(chunk as string);
        });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/audit/verify",
      summary: "Recompute the audit chain and report OK or the first bad record",
      tags: ["audit"],
      auth: "principal",
      responses: { 200: { description: "OK, or the first bad record", schema: auditVerification } },
      async handler(c, { principal }) {
        if (!(await deps.authorizer.holdsOnAll(principal, "audit"))) {
          throw new AirlockError(
            "permission.denied",
            "Verifying the whole audit trail needs the audit permission on every action.",
          );
        }
        const started = performance.now();
        const result = await verifyAudit({ url: deps.databaseUrl, publicKeys: deps.verifyKeys() });
        const ms = Math.round(performance.now() - started);
        const summary = result.ok
          ? {
              ok: true,
              events: result.events,
              seals: result.seals,
              unsealed: result.unsealed,
              lastSeal: result.lastSeal,
              ms,
            }
          : { ok: false, problem: result.problem, events: result.events, seals: result.seals, ms };
        await record(c, principal, "audit.verified", undefined, summary, result.ok ? "success" : "failure");
        return json(c, summary);
      },
    });
  };
}
