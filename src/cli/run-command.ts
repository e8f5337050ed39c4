import { randomUUID } from "node:crypto";
import { api, apiOptions, describeError, parseApiCommandArgs } from "./api-client.ts";
import { type Command, UsageError } from "./command.ts";

export const runCommand: Command = {
  name: "run",
  summary: "Run an action through a server: airlock run issue_credit --param accountId=acc_1 …",
  help: [
    "Usage: airlock run <action> [--param name=value]… [--params-json JSON] [--reason TEXT]",
    "                   [--reviewer USER|group:NAME]… [--idempotency-key KEY] [--json]",
    "                   [--server URL] [--token TOKEN]",
    "",
    "Runs an action with the same checks as the web UI and the API (permissions, validation,",
    "approval policies, idempotency). Values are converted to the types of the action's parameters.",
    "Without --idempotency-key a fresh key is used; reuse a key to retry safely.",
    "",
    "  --reviewer if the run needs approval and its policy lets the requester choose: ask only",
    "             this person (user id or email) or group (group:NAME); repeat for more",
    "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
    "  --token    an API token (default: $AIRLOCK_TOKEN)",
    "  --json     print the whole run as JSON",
    "",
    "Exit status: 0 succeeded, 1 refused or failed, 3 accepted but not finished (pending approval",
    "or still running; the run ID is printed).",
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseRunArgs(args);
    const name = positionals[0];
    if (!name || positionals.length > 1)
      throw new UsageError(
        "give exactly one action name, e.g. airlock run issue_credit --param accountId=acc_1",
      );
    const options = apiOptions(values, io.env);
    const described = await api(options, "GET", `/api/v1/actions/${encodeURIComponent(name)}`);
    if (described.status !== 200) {
      io.err(describeError(described));
      return 1;
    }
    const schema = (
      described.body as { paramsSchema: { properties?: Record<string, { type?: string | string[] }> } }
    ).paramsSchema;
    const params: Record<string, unknown> = values["params-json"]
      ? parseJsonObject(values["params-json"])
      : {};
    for (const pair of values.param ?? []) {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new UsageError(`--param takes name=value, got "${pair}"`);
      const key = pair.slice(0, eq);
      params[key] = coerce(pair.slice(eq + 1), schema.properties?.[key]?.type);
    }
    const key = values["idempotency-key"] ?? `cli-${randomUUID()}`;
    const reviewers = reviewerChoice(values.reviewer ?? []);
    const response = await api(options, "POST", `/api/v1/actions/${encodeURIComponent(name)}/runs`, {
      body: {
        params,
        ...(values.reason ? { reason: values.reason } : {}),
        ...(reviewers ? { reviewers } : {}),
      },
      headers: { "idempotency-key": key },
    });
    const run = response.body as {
      id?: string;
      status?: string;
      result?: unknown;
      requestId?: string;
      error?: unknown;
    };
    if (values.json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!values.json) io.err(describeError(response));
      return 1;
    }
    if (!values.json) {
      const replayed = response.headers.get("idempotent-replayed") === "true" ? " (replayed)" : "";
      io.out(`${run.status}${replayed}  run ${run.id}  request ${run.requestId}  idempotency key ${key}`);
      if (run.status === "pending_approval") io.out("Waiting for approval; reviewers see it in their inbox.");
      if (run.result !== null && run.result !== undefined) io.out(JSON.stringify(run.result, null, 2));
    }
    return response.status === 202 ? 3 : 0;
  },
};

function parseRunArgs(args: string[]) {
  return parseApiCommandArgs(args, {
    param: { type: "string", multiple: true, short: "p" },
    "params-json": { type: "string" },
    reason: { type: "string" },
    reviewer: { type: "string", multiple: true },
    "idempotency-key": { type: "string" },
  });
}

/** `--reviewer` values: `group:NAME` names a group, anything else a person (id or email). */
export function reviewerChoice(given: readonly string[]): { users?: string[]; groups?: string[] } | null {
  if (given.length === 0) return null;
  const groups = given.filter((g) => g.startsWith("group:")).map((g) => g.slice("group:".length));
  const users = given.filter((g) => !g.startsWith("group:"));
  if ([...groups, ...users].some((v) => v.trim() === ""))
    throw new UsageError("--reviewer takes a user id or email, or group:NAME");
  return { ...(users.length > 0 ? { users } : {}), ...(groups.length > 0 ? { groups } : {}) };
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new UsageError("--params-json must be a JSON object");
}

/** Strings from the command line, converted to what the parameter's JSON Schema expects. */
export function coerce(raw: string, type: string | string[] | undefined): unknown {
  const types = Array.isArray(type) ? type : type ? [type] : [];
  if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?$/.test(raw))
    return Number(raw);
  if (types.includes("boolean") && (raw === "true" || raw === "false")) return raw === "true";
  if ((types.includes("object") || types.includes("array")) && /^[[{]/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (types.includes("null") && raw === "null") return null;
  return raw;
}
