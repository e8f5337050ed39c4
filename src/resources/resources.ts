// The workspace's resources, opened once per Airlock instance: every secret they name is read at
// start (a missing one stops the start with the resource's name, not the first run), a pool per
// PostgreSQL resource, and for each run the handles a handler sees as `ctx.resources.<name>`.
import { StartupError } from "../errors/startup-error.ts";
import type { Log } from "../observe/logger.ts";
import { inSpan, SpanKind } from "../observe/tracing.ts";
import type { ResourceHandle } from "../sdk/define-resource.ts";
import { type CompiledResource, checkBaseUrl } from "../workspace/compile-resources.ts";
import { callHttpResource } from "./http-resource.ts";
import { PostgresResource, type QueryOptions } from "./postgres-resource.ts";

/** Reads a secret's value by name; null when there is no such secret. */
export interface SecretReader {
  read(name: string): Promise<string | null>;
}

/** What a run's resource calls carry. */
export interface RunCallContext {
  runId: string;
  requestId: string;
  /** Makes a W3C traceparent for one outbound call (a fresh span in the run's trace). */
  traceparent: () => string;
  /** The run's idempotency key; non-GET HTTP calls derive theirs from it in call order. */
  idempotencyKey: string;
  signal?: AbortSignal;
  /**
   * The keys of non-GET HTTP calls under way: a run that times out while one is in flight cannot
   * know whether it took effect (run-handler.ts marks its outcome unknown with the key).
   */
  inFlight?: Set<string>;
}

export interface Resources {
  readonly names: readonly string[];
  /** The handles for one run (made on first use of `ctx.resources`). */
  forRun(call: RunCallContext): Readonly<Record<string, ResourceHandle>>;
  /** A PostgreSQL resource with the options a SQL action needs (row limit, its own timeout). */
  postgres(name: string): PostgresResource;
  close(): Promise<void>;
}

export interface OpenResourcesOptions {
  secrets: SecretReader;
  log: Log;
  /** Resource names an admin marked internal (private and loopback addresses allowed). */
  internal?: ReadonlySet<string>;
  /** Name resolution for HTTP resources (tests). */
  resolve?: (hostname: string) => Promise<string[]>;
}

export async function openResources(
  definitions: ReadonlyMap<string, CompiledResource>,
  options: OpenResourcesOptions,
): Promise<Resources> {
  const secretValues = new Map<string, string>();
  const missing: string[] = [];
  for (const resource of definitions.values()) {
    for (const secret of resource.secrets) {
      if (secretValues.has(secret)) continue;
      let value: string | null;
      try {
        value = await options.secrets.read(secret);
      } catch (error) {
        // The store could not open it (no master key, a damaged envelope): its message never
        // carries a value.
        throw new StartupError(
          "config.missing_secret",
          `resource ${resource.name} needs secret ${secret}, which cannot be read: ${(error as Error).message}`,
        );
      }
      if (value === null) missing.push(`resource ${resource.name} needs secret ${secret}, which is not set`);
      else secretValues.set(secret, value);
    }
  }
  if (missing.length > 0) {
    throw new StartupError(
      "config.missing_secret",
      `${missing.join("; ")}. Set it with \`airlock secrets set NAME\` (the value is read from stdin).`,
    );
  }
  for (const name of options.internal ?? []) {
    if (!definitions.has(name))
      options.log.warn({ resource: name }, "a resource marked internal does not exist");
  }

  // A base URL from a secret is checked now, with the resource's name (never the value) in the error.
  const opened = new Map<string, CompiledResource>();
  for (const resource of definitions.values()) {
    if (resource.type === "http" && resource.baseUrlSecret !== null) {
      const checked = checkBaseUrl(secretValues.get(resource.baseUrlSecret));
      if (typeof checked === "string") {
        throw new StartupError(
          "config.invalid_workspace",
          `resource ${resource.name}: secret ${resource.baseUrlSecret}: ${checked}`,
        );
      }
      opened.set(resource.name, { ...resource, baseUrl: checked });
    } else opened.set(resource.name, resource);
  }

  const postgres = new Map<string, PostgresResource>();
  for (const resource of definitions.values()) {
    if (resource.type === "postgres") {
      postgres.set(
        resource.name,
        new PostgresResource(resource, secretValues.get(resource.urlSecret)!, options.log),
      );
    }
  }

  function handle(resource: CompiledResource, call: RunCallContext, nextKey: () => string): ResourceHandle {
    const wrong = (method: string) => () => {
      throw new Error(
        `resource ${resource.name} is ${resource.type === "http" ? "an HTTP API" : "a PostgreSQL database"}; it has no ${method}()`,
      );
    };
    if (resource.type === "postgres") {
      const pool = postgres.get(resource.name)!;
      return Object.freeze({
        type: "postgres" as const,
        name: resource.name,
        query: <R>(text: string, values?: readonly unknown[], queryOptions?: QueryOptions) =>
          inSpan(
            `query ${resource.name}`,
            { kind: SpanKind.CLIENT, attributes: dbAttributes(resource.name) },
            () => pool.query<R>(call, text, values, queryOptions),
          ),
        request: wrong("request") as ResourceHandle["request"],
      });
    }
    // The secrets that may never show in an error: the credentials (the base URL is not one).
    const secrets = new Map(
      resource.secrets
        .filter((s) => s !== resource.baseUrlSecret)
        .map((s) => [s, secretValues.get(s)!] as const),
    );
    const deps = {
      secrets,
      internal: options.internal?.has(resource.name) ?? false,
      ...(options.resolve ? { resolve: options.resolve } : {}),
    };
    return Object.freeze({
      type: "http" as const,
      name: resource.name,
      query: wrong("query") as ResourceHandle["query"],
      request: (request: Parameters<ResourceHandle["request"]>[0]) => {
        const method = (request?.method ?? "GET").toUpperCase();
        const safe = method === "GET" || method === "HEAD";
        const idempotencyKey = safe ? call.idempotencyKey : nextKey();
        if (!safe) call.inFlight?.add(idempotencyKey);
        const done = () => {
          if (!safe) call.inFlight?.delete(idempotencyKey);
        };
        // The call's own client span: its traceparent is the one sent (observe/tracing.ts).
        return inSpan(
          `${method} ${resource.name}`,
          {
            kind: SpanKind.CLIENT,
            attributes: { "http.request.method": method, "airlock.resource": resource.name },
          },
          () =>
            callHttpResource(
              resource,
              deps,
              {
                requestId: call.requestId,
                traceparent: call.traceparent(),
                idempotencyKey,
                ...(call.signal ? { signal: call.signal } : {}),
              },
              request,
            ),
        ).finally(done);
      },
    });
  }

  return {
    names: [...definitions.keys()],
    forRun(call) {
      // The run's first non-GET call sends the run's key; later ones `<key>:2`, `<key>:3`, … in
      // call order, so a retried run sends each call the key it sent the first time (a handler
      // that calls in a fixed order) and two different calls never share a key.
      let sent = 0;
      const nextKey = () => (++sent === 1 ? call.idempotencyKey : `${call.idempotencyKey}:${sent}`);
      const handles: Record<string, ResourceHandle> = {};
      for (const resource of opened.values()) handles[resource.name] = handle(resource, call, nextKey);
      return Object.freeze(handles);
    },
    postgres(name) {
      const pool = postgres.get(name);
      if (!pool) throw new Error(`no PostgreSQL resource named ${name}`);
      return pool;
    },
    async close() {
      await Promise.all([...postgres.values()].map((p) => p.close()));
    },
  };
}

function dbAttributes(resource: string) {
  return { "db.system.name": "postgresql", "airlock.resource": resource };
}
