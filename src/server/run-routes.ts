// Run history and one run. Listing shows the caller's own runs plus the runs of actions they
// oversee (approve, audit, admin); a run id outside that is "not found".
import { z } from "zod";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { canSeeRunOf, overseenActions } from "../runs/run-access.ts";
import { revealRunField } from "../runs/run-reveal.ts";
import { RUN_STATUSES } from "../runs/run-status.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import { runView } from "../runs/run-view.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { json, type RouteTable } from "./route.ts";
import { accountabilityOf } from "./run-accountability.ts";

export interface RunRoutesDeps {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  database: Database;
}

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

export const runListQuery = z
  .object({
    action: z.string().max(100).optional(),
    actor: z.string().max(100).optional().describe('A user id, or "me"'),
    status: z.enum(RUN_STATUSES).optional(),
    targetType: z.string().max(100).optional(),
    targetId: z.string().max(200).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

const revealBody = z
  .object({
    path: z
      .array(z.union([z.string().max(100), z.number().int().min(0)]))
      .min(2)
      .max(12)
      .refine((p) => p[0] === "result" || p[0] === "params", 'The path starts with "result" or "params".'),
    reason: z.string().max(1_000),
  })
  .strict();

export function runRoutes(deps: RunRoutesDeps) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/runs",
      summary: "Run history: your runs and those of actions you oversee",
      tags: ["runs"],
      auth: "principal",
      query: runListQuery,
      async handler(c, { principal, query }) {
        const overseen = await overseenActions(deps.authorizer, deps.workspace, principal);
        const values: unknown[] = [principal.id, overseen];
        const where = ["(r.actor_id = $1 OR r.action = ANY($2::text[]))"];
        const add = (sql: string, value: unknown) => {
          values.push(value);
          where.push(sql.replace("?", `$${values.length}`));
        };
        if (query.action) add("r.action = ?", query.action);
        if (query.actor) add("r.actor_id = ?", query.actor === "me" ? principal.id : query.actor);
        if (query.status) add("r.status = ?", query.status);
        if (query.targetType) add("r.target_type = ?", query.targetType);
        if (query.targetId) add("r.target_id = ?", query.targetId);
        if (query.from) add("r.created_at >= ?::timestamptz", query.from);
        if (query.to) add("r.created_at < ?::timestamptz", query.to);
        if (query.cursor) {
          const cursor = decodeCursor(query.cursor);
          values.push(cursor.at, cursor.id);
          where.push(`(r.created_at, r.id) < ($${values.length - 1}::timestamptz, $${values.length})`);
        }
        values.push(query.limit + 1);
        const result = await deps.database.pool.query<RunRow & { actor_name: string | null }>(
          `SELECT r.*, u.name AS actor_name FROM airlock.runs r LEFT JOIN airlock.users u ON u.id = r.actor_id
            WHERE ${where.join(" AND ")} ORDER BY r.created_at DESC, r.id DESC LIMIT $${values.length}`,
          values,
        );
        const rows = result.rows.slice(0, query.limit);
        const last = rows[rows.length - 1];
        return json(c, {
          runs: rows.map((row) => ({ ...runView(deps.workspace, row), actorName: row.actor_name })),
          nextCursor: result.rows.length > query.limit && last ? encodeCursor(last) : null,
        });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/runs/:id/reveal",
      summary: "Reveal one masked value of a run, with a reason (audited; needs reveal:<class>)",
      tags: ["runs", "pii"],
      auth: "principal",
      body: revealBody,
      async handler(c, { principal, body }) {
        const revealed = await revealRunField(deps.database.pool, deps, {
          principal,
          runId: c.req.param("id") ?? "",
          path: body.path,
          reason: body.reason,
          requestId: c.get("requestId"),
          client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        });
        // Shown once: never cached by the browser or a proxy.
        c.header("Cache-Control", "no-store");
        return json(c, revealed);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/runs/:id",
      summary: "One run: status, result, request IDs, and its accountability (the six questions)",
      tags: ["runs"],
      auth: "principal",
      async handler(c, { principal }) {
        const run = await getRun(deps.database.pool, c.req.param("id") ?? "");
        if (!run || !(await canSeeRunOf(deps.authorizer, deps.workspace, principal, run)))
          throw new AirlockError("run.not_found");
        return json(c, {
          ...runView(deps.workspace, run),
          accountability: await accountabilityOf(deps.database.pool, run),
        });
      },
    });
  };
}

function encodeCursor(row: RunRow): string {
  return Buffer.from(`${new Date(row.created_at).toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const [at, id] = text.split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)))
    throw new AirlockError("request.invalid_query", "The cursor is not valid.");
  return { at, id };
}
