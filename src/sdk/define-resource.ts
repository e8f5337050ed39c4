import type { QueryResult } from "./define-action.ts";
import type { Duration } from "./duration.ts";

/** A value kept in Airlock's secret store, referenced by name (`airlock secrets set NAME`). */
export interface SecretRef {
  secret: string;
}

export interface PostgresResourceDefinition {
  /** snake_case, unique in the workspace: handlers use `ctx.resources.<name>`. */
  name: string;
  type: "postgres";
  description?: string;
  /** The connection URL, from a secret. Its user is the role this resource acts as. */
  url: SecretRef;
  /**
   * Every query runs in a read-only transaction (default). `false` lets a query that asks for it
   * (`{ write: true }`, or a SQL action declared `write: true`) run read-write.
   */
  readOnly?: boolean;
  /** Connections kept for this resource. Default 5. */
  poolSize?: number;
  /** Per statement. Default "10s". */
  statementTimeout?: Duration;
}

export type HttpAuth =
  | { type: "bearer"; secret: string }
  | { type: "basic"; username: string; secret: string }
  | { type: "header"; header: string; secret: string }
  /**
   * HMAC-SHA256 of `<timestamp>.<METHOD>.<path and query>.<body>` with the secret, sent as
   * `<header>: t=<unix seconds>,v1=<hex>` (default header `X-Signature`).
   */
  | { type: "hmac"; secret: string; header?: string };

export interface HttpResourceDefinition {
  name: string;
  type: "http";
  description?: string;
  /** Requests go only to this origin, under this path. From a secret when it differs per environment. */
  baseUrl: string | SecretRef;
  auth?: HttpAuth;
  /** Sent with every request (after the auth header; cannot replace it). */
  headers?: Record<string, string>;
  /** The whole exchange. Default "10s". */
  timeout?: Duration;
  /** Response bytes kept; longer answers are cut and marked. Default 1 MiB. */
  maxResponseBytes?: number;
}

export type ResourceDefinition = PostgresResourceDefinition | HttpResourceDefinition;

export type Resource<D extends ResourceDefinition = ResourceDefinition> = D & { readonly kind: "resource" };

export interface ResourceQueryOptions {
  /** Run read-write (the resource must be declared `readOnly: false`). */
  write?: boolean;
  /** Read at most this many rows (through a cursor); `more` says whether others matched. */
  maxRows?: number;
  /** This statement's timeout instead of the resource's. */
  statementTimeoutMs?: number;
}

export interface ResourceQueryResult<R> extends QueryResult<R> {
  /** With `maxRows`: more rows matched than were returned. */
  more?: boolean;
}

/** A PostgreSQL resource as a handler sees it. Parameterized SQL only. */
export interface PostgresResourceClient {
  readonly type: "postgres";
  readonly name: string;
  /**
   * One statement in its own transaction: read-only unless `write` (and the resource allows it),
   * tagged with the run's request ID (`application_name` and a leading comment).
   */
  query<R = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
    options?: ResourceQueryOptions,
  ): Promise<ResourceQueryResult<R>>;
}

export interface HttpResourceRequest {
  method?: string;
  /** Relative to the resource's base URL; cannot leave it. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (give a content-type header). */
  body?: string;
  /** Statuses returned rather than raised as `downstream.rejected` (2xx always are). */
  accept?: number[];
}

export interface HttpResourceResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body was longer than the resource's limit and was cut. */
  truncated: boolean;
  json<T = unknown>(): T;
}

/** An HTTP resource as a handler sees it: requests carry the request ID, trace and idempotency key. */
export interface HttpResourceClient {
  readonly type: "http";
  readonly name: string;
  request(request: HttpResourceRequest): Promise<HttpResourceResponse>;
}

export type ResourceClient = PostgresResourceClient | HttpResourceClient;

/**
 * `ctx.resources.<name>`: `query` works on a PostgreSQL resource, `request` on an HTTP one;
 * calling the other throws, naming the resource and its type.
 */
export interface ResourceHandle {
  readonly type: "postgres" | "http";
  readonly name: string;
  query: PostgresResourceClient["query"];
  request: HttpResourceClient["request"];
}

/**
 * A named connection to a system Airlock governs: a PostgreSQL database or an HTTP API, with its
 * credentials in the secret store. Handlers reach it as `ctx.resources.<name>`, never a URL or a
 * password; SQL and HTTP actions name it.
 *
 * @example
 * export const ledger = defineResource({ name: "core_ledger", type: "postgres", url: { secret: "LEDGER_URL" } });
 * export const payments = defineResource({
 *   name: "payments", type: "http", baseUrl: "https://api.payments.example",
 *   auth: { type: "bearer", secret: "PAYMENTS_KEY" },
 * });
 */
export function defineResource<D extends ResourceDefinition>(definition: D): Resource<D> {
  return Object.freeze({ ...definition, kind: "resource" as const }) as unknown as Resource<D>;
}
