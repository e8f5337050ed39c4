// The workspace's resources, checked at start: names, types, base URLs, auth shapes and timeouts.
// Whether each named secret exists is checked when the resources are opened (resources/), which
// reads the secret store; a mistake here names the resource and what is wrong.
import type { ResourceUse } from "../sdk/define-action.ts";
import type { HttpAuth, Resource } from "../sdk/define-resource.ts";
import { durationMs } from "../sdk/duration.ts";
import { NAME_PATTERN } from "./workspace-names.ts";

interface CompiledCommon {
  name: string;
  description: string;
  /** The names of the secrets this resource needs. */
  secrets: string[];
}

export interface CompiledPostgresResource extends CompiledCommon {
  type: "postgres";
  urlSecret: string;
  readOnly: boolean;
  poolSize: number;
  statementTimeoutMs: number;
}

export interface CompiledHttpResource extends CompiledCommon {
  type: "http";
  /** Null until opened when it comes from a secret (`baseUrlSecret`). */
  baseUrl: URL | null;
  baseUrlSecret: string | null;
  auth: HttpAuth | null;
  headers: Record<string, string>;
  timeoutMs: number;
  maxResponseBytes: number;
}

export type CompiledResource = CompiledPostgresResource | CompiledHttpResource;

const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// Headers the resource sets itself: a default header may not forge them.
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "x-request-id",
  "traceparent",
  "idempotency-key",
]);

export function compileResources(resources: readonly Resource[] | undefined, problems: string[]) {
  const compiled = new Map<string, CompiledResource>();
  for (const [index, resource] of (resources ?? []).entries()) {
    const where = `resources[${index}]${resource?.name ? ` (${resource.name})` : ""}`;
    const one = compileResource(resource, where, problems);
    if (!one) continue;
    if (compiled.has(one.name)) {
      problems.push(`${where}: the name "${one.name}" is used by two resources; names must be unique.`);
      continue;
    }
    compiled.set(one.name, one);
  }
  return compiled;
}

function duration(value: unknown, fallback: number, what: string, where: string, problems: string[]): number {
  if (value === undefined) return fallback;
  try {
    return durationMs(value as Parameters<typeof durationMs>[0]);
  } catch (error) {
    problems.push(`${where}: ${what}: ${(error as Error).message}`);
    return fallback;
  }
}

function secretName(value: unknown, what: string, where: string, problems: string[]): string {
  if (typeof value !== "string" || !SECRET_NAME.test(value)) {
    problems.push(
      `${where}: ${what} must name a secret (letters, digits, _ . -), got ${JSON.stringify(value)}.`,
    );
    return "";
  }
  return value;
}

function compileResource(resource: Resource, where: string, problems: string[]): CompiledResource | null {
  if (resource?.kind !== "resource") {
    problems.push(`${where}: not a resource; wrap it in defineResource({ ... }).`);
    return null;
  }
  const before = problems.length;
  if (typeof resource.name !== "string" || !NAME_PATTERN.test(resource.name)) {
    problems.push(
      `${where}: the name must be snake_case (like "core_ledger"), got ${JSON.stringify(resource.name)}.`,
    );
  }
  const description = resource.description ?? "";
  if (resource.type === "postgres") {
    const urlSecret = secretName(resource.url?.secret, "url.secret", where, problems);
    const poolSize = resource.poolSize ?? 5;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 100)
      problems.push(`${where}: poolSize must be an integer from 1 to 100.`);
    const statementTimeoutMs = duration(
      resource.statementTimeout,
      10_000,
      "statementTimeout",
      where,
      problems,
    );
    if (problems.length > before) return null;
    return {
      type: "postgres",
      name: resource.name,
      description,
      secrets: [urlSecret],
      urlSecret,
      readOnly: resource.readOnly ?? true,
      poolSize,
      statementTimeoutMs,
    };
  }
  if (resource.type === "http") {
    let baseUrl: URL | null = null;
    let baseUrlSecret: string | null = null;
    const secrets: string[] = [];
    if (typeof resource.baseUrl === "object" && resource.baseUrl !== null) {
      baseUrlSecret = secretName(resource.baseUrl.secret, "baseUrl.secret", where, problems);
      secrets.push(baseUrlSecret);
    } else {
      const checked = checkBaseUrl(resource.baseUrl);
      if (typeof checked === "string") problems.push(`${where}: ${checked}`);
      else baseUrl = checked;
    }
    const auth = resource.auth ?? null;
    if (auth) {
      if (!["bearer", "basic", "header", "hmac"].includes(auth.type)) {
        problems.push(`${where}: auth.type must be bearer, basic, header or hmac.`);
      } else {
        secrets.push(secretName(auth.secret, "auth.secret", where, problems));
        if (auth.type === "basic" && (typeof auth.username !== "string" || auth.username.includes(":")))
          problems.push(`${where}: basic auth needs a username without ":".`);
        const header =
          auth.type === "header" ? auth.header : auth.type === "hmac" ? (auth.header ?? "X-Signature") : null;
        if (header !== null && (typeof header !== "string" || !HEADER_NAME.test(header)))
          problems.push(`${where}: auth.header must be a header name.`);
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(resource.headers ?? {})) {
      if (!HEADER_NAME.test(name) || typeof value !== "string" || /[\r\n]/.test(value)) {
        problems.push(`${where}: header ${JSON.stringify(name)} is not a valid header.`);
      } else if (RESERVED_HEADERS.has(name.toLowerCase()) || name.toLowerCase() === "authorization") {
        problems.push(`${where}: header ${name} is set by Airlock and cannot be a default header.`);
      } else headers[name.toLowerCase()] = value;
    }
    const timeoutMs = duration(resource.timeout, 10_000, "timeout", where, problems);
    const maxResponseBytes = resource.maxResponseBytes ?? 1024 * 1024;
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1)
      problems.push(`${where}: maxResponseBytes must be a positive integer.`);
    if (problems.length > before) return null;
    return {
      type: "http",
      name: resource.name,
      description,
      secrets,
      baseUrl,
      baseUrlSecret,
      auth,
      headers,
      timeoutMs,
      maxResponseBytes,
    };
  }
  problems.push(`${where}: type must be "postgres" or "http".`);
  return null;
}

/** An HTTP resource's base URL, normalised to end in "/", or what is wrong with it. */
export function checkBaseUrl(text: unknown): URL | string {
  let url: URL;
  try {
    url = new URL(String(text));
  } catch {
    return "baseUrl is not an absolute URL.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "baseUrl must be http:// or https://.";
  if (url.username || url.password) return "baseUrl must not carry credentials; use auth with a secret.";
  if (url.search || url.hash) return "baseUrl must not have a query or fragment.";
  if (!url.pathname.endsWith("/")) url.pathname = `${url.pathname}/`;
  return url;
}

/** SQL and HTTP actions name a resource of the right type; a writing SQL action a writable one. */
export function checkResourceUses(
  actions: ReadonlyMap<string, { name: string; definition: { uses?: ResourceUse } }>,
  resources: ReadonlyMap<string, CompiledResource>,
  problems: string[],
): void {
  for (const action of actions.values()) {
    const uses = action.definition.uses;
    if (!uses) continue;
    const resource = resources.get(uses.resource);
    const wanted = uses.kind === "sql" ? "postgres" : "http";
    if (!resource) {
      problems.push(
        `action ${action.name}: there is no resource named "${uses.resource}"; add it to resources.`,
      );
    } else if (resource.type !== wanted) {
      problems.push(`action ${action.name}: resource ${uses.resource} is ${resource.type}, not ${wanted}.`);
    } else if (uses.kind === "sql" && uses.write && resource.type === "postgres" && resource.readOnly) {
      problems.push(
        `action ${action.name}: it writes, but resource ${uses.resource} is read-only; declare readOnly: false on the resource.`,
      );
    }
  }
}
