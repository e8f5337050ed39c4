import type { z } from "zod";
import { type Action, type ActionDefinition, defineAction } from "./define-action.ts";

type Common<P extends z.ZodObject> = Omit<ActionDefinition<P>, "handler" | "output" | "describe">;

export interface HttpActionDefinition<P extends z.ZodObject, O extends z.ZodType> extends Common<P> {
  /** An HTTP resource of the workspace. */
  resource: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Relative to the resource's base URL; `{param}` is replaced by that parameter, URL-encoded. */
  path: string;
  query?: (params: z.infer<P>) => Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: (params: z.infer<P>) => unknown;
  /** The result: the response (mapped by `map`) is parsed by it; fields with `.meta({ pii })` are masked. */
  result: O;
  /** From the response's JSON to the result (default: the JSON as is). */
  map?: (response: unknown, params: z.infer<P>) => unknown;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The path with each `{param}` replaced; a value can never add a path segment or climb out. */
export function fillPath(template: string, params: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) throw new Error(`path parameter ${name} has no value`);
    const encoded = encodeURIComponent(String(value));
    // "." and ".." are left alone by encodeURIComponent but are path steps to a URL parser.
    return encoded === "." || encoded === ".." ? encoded.replaceAll(".", "%2E") : encoded;
  });
}

/**
 * An action that makes one templated request to an HTTP resource: method and path fixed, path
 * placeholders, query and JSON body from the validated parameters, the response mapped to a result
 * schema whose PII classes mask it. It carries the request ID and, unless GET, the run's
 * idempotency key; a failure is a `downstream.*` error. Governed like every action.
 *
 * @example
 * export const paymentStatus = defineHttpAction({
 *   name: "payment_status", title: "Payment status at the provider", resource: "payments",
 *   method: "GET", path: "/v1/payments/{paymentId}",
 *   params: z.object({ paymentId: z.string().regex(/^pay_\w+$/) }),
 *   result: z.object({ id: z.string(), status: z.string(), amount: z.number() }),
 * });
 */
export function defineHttpAction<P extends z.ZodObject, O extends z.ZodType>(
  definition: HttpActionDefinition<P, O>,
): Action<P, z.infer<O>> {
  const { resource, method, path, query, body, result, map, ...action } = definition;
  for (const [, name] of path.matchAll(PLACEHOLDER)) {
    if (!(name! in definition.params.shape)) {
      throw new Error(`${definition.name}: path placeholder {${name}} is not a parameter`);
    }
  }
  return defineAction({
    ...action,
    description: action.description ?? `Calls ${method} ${path} on ${resource}.`,
    output: result,
    uses: { kind: "http", resource, method, path },
    async handler(params, ctx) {
      const handle = ctx.resources[resource];
      if (!handle) throw new Error(`the workspace has no resource named ${resource}`);
      const response = await handle.request({
        method,
        path: fillPath(path, params as Record<string, unknown>),
        ...(query ? { query: query(params) } : {}),
        ...(body ? { json: body(params) } : {}),
      });
      const json = response.text === "" ? null : response.json();
      return (map ? map(json, params) : json) as z.infer<O>;
    },
  } as ActionDefinition<P, z.infer<O>>);
}
