// A route declares, before its handler, who may call it, its query and body schemas, and its
// responses (src/api/). The declaration registers the Hono handler (parsing and refusing bad input
// with the standard envelope) and feeds the OpenAPI document, so the two cannot drift apart. With
// `checkResponses` (tests), every answer is also checked against the response declared for its
// status, so a schema that no longer tells the truth fails the suite instead of a client.
import type { Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { errorEnvelope } from "../api/common.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { issuesOf } from "../errors/issues.ts";
import type { Principal } from "../identity/principal.ts";
import type { AppEnv } from "./app-env.ts";
import { refuse } from "./error-response.ts";
import { readJson } from "./read-json.ts";

/** One declared response. No schema: the response has no body (204, a redirect). */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** A body that is not JSON (an export), by media type; `schema` then describes the text. */
  mediaTypes?: string[];
}

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
  /** Every success status the route answers with, and its body's schema. Refusals share the error envelope. */
  responses: Record<number, ResponseSpec>;
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
  responses: Record<number, ResponseSpec>;
}

export class RouteTable {
  readonly docs: RouteDoc[] = [];
  private readonly app: Hono<AppEnv>;
  private readonly checkResponses: boolean;
  constructor(app: Hono<AppEnv>, options: { checkResponses?: boolean } = {}) {
    this.app = app;
    this.checkResponses = options.checkResponses ?? false;
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
      responses: spec.responses,
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
      const response = await spec.handler(c, {
        principal: principal!,
        query: query as never,
        body: body as never,
      });
      if (!this.checkResponses) return response;
      const problem = await responseProblem(spec.responses, response);
      if (problem === null) return response;
      c.get("log").error(
        { route: `${spec.method.toUpperCase()} ${spec.path}`, problem },
        "response breaks its schema",
      );
      return refuse(c, "internal", `Response check: ${spec.method.toUpperCase()} ${spec.path}: ${problem}`);
    });
  }
}

/** What is wrong with a response against its declaration, or null. Reads a clone of the body. */
export async function responseProblem(
  responses: Record<number, ResponseSpec>,
  response: Response,
): Promise<string | null> {
  const status = response.status;
  const type = response.headers.get("content-type") ?? "";
  const declared: ResponseSpec | undefined =
    responses[status] ?? (status >= 400 ? { description: "Refused", schema: errorEnvelope } : undefined);
  if (!declared) return `status ${status} is not declared`;
  if (!declared.schema) {
    const text = await response.clone().text();
    return text === "" ? null : `status ${status} declares no body but has one`;
  }
  if (declared.mediaTypes) {
    return declared.mediaTypes.some((media) => type.startsWith(media))
      ? null
      : `content type ${type} is not one of ${declared.mediaTypes.join(", ")}`;
  }
  if (!type.startsWith("application/json")) return `content type ${type} is not JSON`;
  const parsed = declared.schema.safeParse(await response.clone().json());
  if (parsed.success) return null;
  return issuesOf(parsed.error)
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
    .join("; ");
}

export function json(c: Context<AppEnv>, body: unknown, status: ContentfulStatusCode = 200): Response {
  return c.json(body as object, status);
}
