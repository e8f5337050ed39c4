import { z } from "zod";
import { type Action, type ActionDefinition, defineAction } from "./define-action.ts";
import type { Duration } from "./duration.ts";
import { durationMs } from "./duration.ts";

type Common<P extends z.ZodObject> = Omit<ActionDefinition<P>, "handler" | "output" | "describe">;

export interface SqlActionDefinition<P extends z.ZodObject, R extends z.ZodObject> extends Common<P> {
  /** A PostgreSQL resource of the workspace. */
  resource: string;
  /** One fixed statement with `$1`, `$2`, … placeholders; never built from parameters. */
  sql: string;
  /** The statement's values, in placeholder order, from the validated parameters. */
  values?: (params: z.infer<P>) => unknown[];
  /** One result row: the columns shown, with `.meta({ pii })` on those to mask. Others are dropped. */
  row: R;
  /** Rows shown at most; the result says when more matched. Default 500. */
  maxRows?: number;
  /** Default "5s". */
  statementTimeout?: Duration;
  /**
   * The statement writes: it runs read-write (the resource must allow it, `readOnly: false`), and
   * is governed like any action that changes things (grants, approvals, idempotency).
   */
  write?: boolean;
}

/** What a SQL action returns. */
export interface SqlActionResult<Row> {
  rows: Row[];
  /** More rows matched than `maxRows`; narrow the parameters to see them. */
  moreRows: boolean;
}

// Values pg hands back that JSON (and a row schema of strings and numbers) cannot take as they are.
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return value;
}

/**
 * An action that runs one fixed, parameterized SQL statement against a PostgreSQL resource: the
 * form comes from `params`, the values go to the placeholders (never into the text), the result is
 * a table of `row` columns masked by their PII classes, cut at `maxRows` with "more rows" said.
 * Read-only unless `write: true`. Governed like every action.
 *
 * @example
 * export const flagged = defineSqlAction({
 *   name: "all_flagged_accounts", title: "All flagged accounts", resource: "core_ledger",
 *   params: z.object({ minScore: z.number().int().min(0).max(100) }),
 *   sql: "SELECT account_id, holder_email, score FROM flags WHERE score >= $1 ORDER BY score DESC",
 *   values: (p) => [p.minScore],
 *   row: z.object({ account_id: z.string(), holder_email: z.string().meta({ pii: "email" }), score: z.number() }),
 * });
 */
export function defineSqlAction<P extends z.ZodObject, R extends z.ZodObject>(
  definition: SqlActionDefinition<P, R>,
): Action<P, SqlActionResult<z.infer<R>>> {
  const {
    resource,
    sql,
    values,
    row,
    maxRows = 500,
    statementTimeout = "5s",
    write = false,
    ...action
  } = definition;
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > 10_000) {
    throw new Error(`${definition.name}: maxRows must be an integer from 1 to 10000`);
  }
  const statementTimeoutMs = durationMs(statementTimeout);
  const output = z.object({ rows: z.array(row), moreRows: z.boolean() });
  return defineAction({
    ...action,
    description:
      action.description ??
      `Runs a fixed ${write ? "" : "read-only "}query against ${resource} (at most ${maxRows} rows).`,
    output: output as unknown as z.ZodType<SqlActionResult<z.infer<R>>>,
    uses: { kind: "sql", resource, text: sql, write, maxRows, statementTimeoutMs },
    async handler(params, ctx) {
      const handle = ctx.resources[resource];
      if (!handle) throw new Error(`the workspace has no resource named ${resource}`);
      const result = await handle.query(sql, values ? values(params) : [], {
        write,
        maxRows,
        statementTimeoutMs,
      });
      const rows = result.rows.map((r) =>
        Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([k, v]) => [k, plain(v)])),
      );
      return { rows, moreRows: result.more ?? false } as SqlActionResult<z.infer<R>>;
    },
  } as ActionDefinition<P, SqlActionResult<z.infer<R>>>);
}
