// A route declares, before its handler, who may call it, its query and body schemas, and its
// responses. The declaration registers the Hono handler (parsing and refusing bad input with the
// standard envelope) and feeds the OpenAPI document, so the two cannot drift apart.
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { AppEnv } from "./app-env.ts";
import { readJson } from "./read-json.ts";

export interface RouteSpec<Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Hono path, e.g. `/api/v1/runs/:id`. */
  path: string;
  summary: string;
  tags: string[];
  /** `principal`: a session or token is required. `public`: no authentication. */
  auth: "principal" | "public";
  query?: Q;
  body?: B;
  /** Response schemas by status, for the OpenAPI document. */
  responses?: Record<number, { description: string; schema?: z.ZodType }>;
  bodyLimit?: number;
  handler: (
    c: Context<AppEnv>,
    input: {
      principal: Principal;
      query: Q extends z.ZodType ? z.output<Q> : undefined;
      body: B extends z.ZodType ? z.output<B> : undefined;
    },
  ) => Promise<Response>;
}

export interface RouteDoc {
  method: string;
  path: string;
  summary: string;
  tags: string[];
  auth: "principal" | "public";
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

export class RouteTable {
  readonly docs: RouteDoc[] = [];
  private readonly app: Hono<AppEnv>;
  constructor(app: Hono<AppEnv>) {
    this.app = app;
  }

  add<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    spec: RouteSpec<Q, B>,
  ): void {
    this.docs.push({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: spec.tags,
      auth: spec.auth,
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      responses: spec.responses ?? {},
    });
    this.app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const principal = c.get("principal");
      if (spec.auth === "principal" && !principal)
        throw c.get("authError") ?? new AirlockError("auth.required");
      let query: unknown;
      if (spec.query) {
        const parsed = spec.query.safeParse(c.req.query());
        if (!parsed.success)
          throw new AirlockError("request.invalid_query", undefined, { issues: issuesOf(parsed.error) });
        query = parsed.data;
      }
      let body: unknown;
      if (spec.body) {
        const raw = await readJson(c, spec.bodyLimit);
        const parsed = spec.body.safeParse(raw ?? {});
        if (!parsed.success)
          throw new AirlockError("validation.failed", undefined, { issues: issuesOf(parsed.error) });
        body = parsed.data;
      }
      return await spec.handler(c, { principal: principal!, query: query as never, body: body as never });
    });
  }
}

export function issuesOf(error: z.ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    code: issue.code,
    message: issue.message,
  }));
}

export function json(c: Context<AppEnv>, body: unknown, status: ContentfulStatusCode = 200): Response {
  return c.json(body as object, status);
}
