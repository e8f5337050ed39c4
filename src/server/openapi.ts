// /api/v1/openapi.json, generated from the same declarations that register the routes (route.ts)
// — their request and response schemas live in src/api/ — and from each action's parameter
// schema. Actions appear only for a caller who may see them.
import { z } from "zod";
import { errorEnvelope } from "../api/common.ts";
import { openApiDocument as documentSchema } from "../api/meta.ts";
import { run } from "../api/runs.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { RouteDoc, RouteTable } from "./route.ts";

export async function openApiDocument(options: {
  routes: readonly RouteDoc[];
  version: string;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  principal: Principal | null;
}): Promise<Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of options.routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][route.method] = operation(route);
  }
  if (options.principal) {
    for (const action of options.workspace.actions.values()) {
      if (!(await options.authorizer.can(options.principal, "view", action)).allowed) continue;
      paths[`/api/v1/actions/${action.name}/runs`] = {
        post: {
          summary: `Run ${action.title}`,
          tags: ["actions"],
          operationId: `run_${action.name}`,
          parameters: [idempotencyHeader()],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  required: ["params"],
                  properties: {
                    params: stripDialect(action.paramsJsonSchema),
                    reason: { type: "string", maxLength: 2000 },
                  },
                },
              },
            },
          },
          responses: runResponses(),
          security: [{ bearer: [] }, { session: [] }],
        },
      };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Airlock API",
      version: options.version,
      description: "Governed internal operations. Every error uses the envelope in components.schemas.Error.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token (alk_…)" },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "airlock_session",
          description: "Browser session; state-changing requests also need X-CSRF-Token",
        },
      },
      schemas: { Error: jsonSchema(errorEnvelope, "output"), Run: jsonSchema(run, "output") },
    },
    paths,
  };
}

function operation(route: RouteDoc): Record<string, unknown> {
  const parameters: unknown[] = [];
  for (const match of route.path.matchAll(/:([A-Za-z]+)/g)) {
    parameters.push({ name: match[1], in: "path", required: true, schema: { type: "string" } });
  }
  if (route.query instanceof z.ZodObject) {
    for (const [name, schema] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
      parameters.push({
        name,
        in: "query",
        required: !schema.safeParse(undefined).success,
        schema: jsonSchema(schema, "input"),
      });
    }
  }
  if (route.path.endsWith("/runs") && route.method === "post") parameters.push(idempotencyHeader());
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const schema = response.schema ? jsonSchema(response.schema, "output") : null;
    const media = response.mediaTypes ?? ["application/json"];
    responses[status] = {
      description: response.description,
      ...(schema ? { content: Object.fromEntries(media.map((type) => [type, { schema }])) } : {}),
    };
  }
  responses["4XX"] = {
    description: "Refused",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  return {
    summary: route.summary,
    tags: route.tags,
    parameters,
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchema(route.body, "input") } },
          },
        }
      : {}),
    responses,
    ...(route.auth === "principal" ? { security: [{ bearer: [] }, { session: [] }] } : { security: [] }),
  };
}

function runResponses() {
  const error = { content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  const body = { content: { "application/json": { schema: { $ref: "#/components/schemas/Run" } } } };
  return {
    "200": { description: "The run succeeded; the body is the run with its (masked) result", ...body },
    "202": { description: "Waiting for approval or still executing; Location points at the run", ...body },
    "4XX": {
      description: "Refused (permission, validation, idempotency) or failed by a business rule",
      ...error,
    },
    "5XX": { description: "The action failed or timed out", ...error },
  };
}

function idempotencyHeader() {
  return {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description: "Retries with the same key return the first run's outcome (kept 24 h, per user)",
    schema: { type: "string", maxLength: 255 },
  };
}

/** Requests are described as clients write them ("input"), responses as the server writes them. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  return stripDialect(z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>);
}

function stripDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

export function openApiRoute(deps: {
  table: () => RouteTable;
  version: string;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
}) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/openapi.json",
      summary: "This document",
      tags: ["meta"],
      auth: "public",
      responses: { 200: { description: "The OpenAPI 3.1 document", schema: documentSchema } },
      async handler(c) {
        const document = await openApiDocument({
          routes: deps.table().docs,
          version: deps.version,
          workspace: deps.workspace,
          authorizer: deps.authorizer,
          principal: c.get("principal"),
        });
        return c.json(document);
      },
    });
  };
}
