// `airlock audit search|export|verify|keygen`. Search, export and verify go through the API (the
// same permissions, and each read audited). `verify --direct` reads the database itself — for an
// auditor checking the chain independently of a running server.
import { generateSigningKeyPair, parseSigningKey } from "../audit/seal-key.ts";
import { verifyAudit } from "../audit/verify.ts";
import { loadConfig } from "../config/config.ts";
import { createLogger } from "../observe/logger.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { api, apiOptions, describeError } from "./api-client.ts";
import { type CliIo, type Command, parseCommandArgs, UsageError } from "./command.ts";

const FILTERS = [
  "actor",
  "action",
  "target-type",
  "target-id",
  "request-id",
  "run-id",
  "outcome",
  "type",
  "from",
  "to",
] as const;
const QUERY_NAME: Record<(typeof FILTERS)[number], string> = {
  actor: "actorId",
  action: "action",
  "target-type": "targetType",
  "target-id": "targetId",
  "request-id": "requestId",
  "run-id": "runId",
  outcome: "outcome",
  type: "type",
  from: "from",
  to: "to",
};

export const auditCommand: Command = {
  name: "audit",
  summary: "Search, export or verify the audit trail",
  help: [
    "Usage: airlock audit search [filters] [--limit N] [--json]",
    "       airlock audit export --format csv|jsonl [filters]   (writes to stdout)",
    "       airlock audit verify [--direct] [--public-key PEM_FILE]",
    "       airlock audit keygen",
    "",
    "Filters: --actor ID --action NAME --target-type T --target-id ID --request-id R --run-id R",
    "         --outcome success|failure|denied|pending|info --type EVENT --from DATE --to DATE",
    "",
    "search/export/verify use the API (--server, --token or AIRLOCK_URL, AIRLOCK_TOKEN). With --direct,",
    "verify reads DATABASE_URL (or this folder's embedded database) itself; give the seal-signing",
    "public key to require valid signatures. keygen prints a new Ed25519 key pair for",
    "AIRLOCK_AUDIT_SIGNING_KEY. Exit status of verify: 0 intact, 1 tampering found.",
  ].join("\n"),
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === "search") return await search(rest, io);
    if (sub === "export") return await exportTrail(rest, io);
    if (sub === "verify") return await verify(rest, io);
    if (sub === "keygen") {
      const pair = generateSigningKeyPair();
      io.out(
        `# Private key: set AIRLOCK_AUDIT_SIGNING_KEY to it (keep it secret)\n${pair.privateKey.trim()}\n# Public key (key id ${pair.keyId}): give it to auditors for verify\n${pair.publicKey.trim()}`,
      );
      return 0;
    }
    throw new UsageError("choose search, export, verify or keygen (airlock audit --help)");
  },
};

function parse(args: string[], extra: Record<string, { type: "string" | "boolean" }>) {
  const options: Record<string, { type: "string" | "boolean" }> = {
    server: { type: "string" },
    token: { type: "string" },
    ...extra,
  };
  for (const f of FILTERS) options[f] = { type: "string" };
  return parseCommandArgs({ args, options, allowPositionals: false }).values as Record<
    string,
    string | boolean | undefined
  >;
}

function query(
  values: Record<string, string | boolean | undefined>,
  extra: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams();
  for (const f of FILTERS) if (typeof values[f] === "string") params.set(QUERY_NAME[f], values[f] as string);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function search(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, { limit: { type: "string" }, json: { type: "boolean" } });
  const options = apiOptions(
    { server: values.server as string | undefined, token: values.token as string | undefined },
    io.env,
  );
  const response = await api(
    options,
    "GET",
    `/api/v1/audit${query(values, { limit: values.limit as string | undefined })}`,
  );
  if (response.status !== 200) {
    io.err(describeError(response));
    return 1;
  }
  const page = response.body as {
    events: {
      id: string;
      occurredAt: string;
      type: string;
      outcome: string;
      actorId: string | null;
      action: string | null;
      targetType: string | null;
      targetId: string | null;
      requestId: string | null;
      errorCode: string | null;
    }[];
    nextCursor: string | null;
  };
  if (values.json) {
    io.out(JSON.stringify(page, null, 2));
    return 0;
  }
  for (const e of page.events) {
    const target = e.targetType ? ` ${e.targetType}:${e.targetId ?? ""}` : "";
    io.out(
      `${e.occurredAt}  #${e.id}  ${e.type.padEnd(28)} ${e.outcome.padEnd(8)} ${e.actorId ?? "-"}  ${e.action ?? "-"}${target}  ${e.requestId ?? ""}${e.errorCode ? `  ${e.errorCode}` : ""}`,
    );
  }
  io.out(
    `${page.events.length} event(s)${page.nextCursor ? " (more: narrow the filters or use the API's cursor)" : ""}`,
  );
  return 0;
}

async function exportTrail(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, { format: { type: "string" } });
  const format = (values.format as string | undefined) ?? "csv";
  if (format !== "csv" && format !== "jsonl") throw new UsageError("--format must be csv or jsonl");
  const options = apiOptions(
    { server: values.server as string | undefined, token: values.token as string | undefined },
    io.env,
  );
  if (!options.token) throw new UsageError("an API token is needed: pass --token or set AIRLOCK_TOKEN");
  const response = await fetch(`${options.server}/api/v1/audit/export${query(values, { format })}`, {
    headers: { authorization: `Bearer ${options.token}`, "x-airlock-client": "cli" },
  }).catch((error: Error) => {
    throw new UsageError(`cannot reach Airlock at ${options.server} (${error.message})`);
  });
  if (response.status !== 200 || !response.body) {
    const text = await response.text();
    io.err(
      describeError({
        status: response.status,
        requestId: response.headers.get("x-request-id"),
        body: safeJson(text),
        headers: response.headers,
      }),
    );
    return 1;
  }
  // Streamed straight through: constant memory whatever the range.
  const reader = response.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (!process.stdout.write(next.value)) await new Promise((r) => process.stdout.once("drain", r));
  }
  return 0;
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, { direct: { type: "boolean" }, "public-key": { type: "string" } });
  let result: Record<string, unknown>;
  if (values.direct) {
    const config = loadConfig(io.env);
    const log = createLogger({ level: "warn" });
    const database = await provideDatabase(config, log, { shareRunning: true });
    try {
      const keys: string[] = [];
      if (typeof values["public-key"] === "string") keys.push(await readKey(values["public-key"]));
      else if (config.auditSigningKey)
        keys.push(
          parseSigningKey(config.auditSigningKey)
            .publicKey.export({ type: "spki", format: "pem" })
            .toString(),
        );
      result = (await verifyAudit({ url: database.url, publicKeys: keys })) as unknown as Record<
        string,
        unknown
      >;
    } finally {
      await database.stop();
    }
  } else {
    const options = apiOptions(
      { server: values.server as string | undefined, token: values.token as string | undefined },
      io.env,
    );
    const response = await api(options, "GET", "/api/v1/audit/verify");
    if (response.status !== 200) {
      io.err(describeError(response));
      return 1;
    }
    result = response.body as Record<string, unknown>;
  }
  if (result.ok) {
    io.out(
      `OK: ${result.events} events in ${result.seals} seals verify${result.unsealed ? `; ${result.unsealed} newer event(s) not sealed yet` : ""}.`,
    );
    return 0;
  }
  const problem = result.problem as {
    kind: string;
    sealId: number | null;
    eventId: string | null;
    detail: string;
  };
  io.out(
    `TAMPERING: ${problem.kind} — first bad ${problem.eventId ? `event #${problem.eventId}` : `seal #${problem.sealId}`}${problem.sealId ? ` (seal #${problem.sealId})` : ""}: ${problem.detail}`,
  );
  return 1;
}

async function readKey(path: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new UsageError(`cannot read the public key file ${path}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
