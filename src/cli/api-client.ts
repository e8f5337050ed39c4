// The CLI's HTTP client for commands that act through a running server (run, approve, audit…):
// the same API and the same checks as every other client; the CLI has no back door.
import type { ParseArgsOptionsConfig } from "node:util";
import { parseCommandArgs, UsageError } from "./command.ts";

/** The options of every command that acts through the API: where, as whom, and JSON out. */
export const API_OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
} as const;

/** The help lines of `API_OPTIONS`, for a command whose --json prints the API's answer as it is. */
export const API_OPTIONS_HELP = [
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an API token (default: $AIRLOCK_TOKEN)",
  "  --json     print the API's JSON answer",
];

/**
 * Parses the arguments of a command that acts through the API: its positionals (subcommand, ids),
 * its own options and `API_OPTIONS`.
 */
export function parseApiCommandArgs<O extends ParseArgsOptionsConfig>(args: string[], own: O) {
  return parseCommandArgs<{ args: string[]; allowPositionals: true; options: typeof API_OPTIONS & O }>({
    args,
    allowPositionals: true,
    options: { ...API_OPTIONS, ...own },
  });
}

export interface ApiClientOptions {
  server: string;
  token: string | null;
}

export interface ApiResponse {
  status: number;
  requestId: string | null;
  body: unknown;
  headers: Headers;
}

export function apiOptions(
  values: { server?: string | undefined; token?: string | undefined },
  env: Record<string, string | undefined>,
): ApiClientOptions {
  const server = values.server ?? env.AIRLOCK_URL ?? "http://127.0.0.1:3000";
  try {
    new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL like http://127.0.0.1:3000, got "${server}"`);
  }
  return { server: server.replace(/\/+$/, ""), token: values.token ?? env.AIRLOCK_TOKEN ?? null };
}

export async function api(
  options: ApiClientOptions,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  if (!options.token)
    throw new UsageError(
      "an API token is needed: pass --token or set AIRLOCK_TOKEN (create one in the web UI under Tokens)",
    );
  let response: Response;
  try {
    response = await fetch(`${options.server}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        "x-airlock-client": "cli",
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch (error) {
    throw new UsageError(
      `cannot reach Airlock at ${options.server} (${(error as Error).cause ?? (error as Error).message}); is the server running? (--server / AIRLOCK_URL)`,
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text.
  }
  return {
    status: response.status,
    requestId: response.headers.get("x-request-id"),
    body,
    headers: response.headers,
  };
}

/** One line for a refusal: code, message, request ID. */
export function describeError(response: ApiResponse): string {
  const error = (
    response.body as {
      error?: {
        code: string;
        message: string;
        requestId: string;
        details?: { issues?: { path: unknown[]; message: string }[] };
      };
    }
  )?.error;
  if (!error) return `HTTP ${response.status} (request ${response.requestId ?? "?"})`;
  const issues = error.details?.issues?.map((i) => `  - ${i.path.join(".") || "(body)"}: ${i.message}`) ?? [];
  return [`${error.code}: ${error.message} (request ${error.requestId})`, ...issues].join("\n");
}

/**
 * Prints a response the way every admin subcommand does: with `--json`, the API's JSON on stdout
 * whatever the status (a script reads the error's code there too); otherwise a refusal as one line
 * on stderr, or the command's own text. A refusal exits 1.
 */
export function responsePrinter(
  io: { out(text: string): void; err(text: string): void },
  json: boolean | undefined,
): (response: ApiResponse, text: () => void) => number {
  return (response, text) => {
    if (json) io.out(JSON.stringify(response.body, null, 2));
    if (response.status >= 400) {
      if (!json) io.err(describeError(response));
      return 1;
    }
    if (!json) text();
    return 0;
  };
}
