// `airlock secrets`: list, set and delete secrets through a running server (an admin's API
// token; the same checks and audit as the web UI), and rotate the master key, which works on the
// database directly because it needs the master keys themselves.
import { existsSync, readFileSync } from "node:fs";
import type { SecretInfo } from "../api/secrets.ts";
import { loadConfig } from "../config/config.ts";
import { createKeyring, type Keyring } from "../crypto/keyring.ts";
import { generateMasterKeyText, parseMasterKey } from "../crypto/master-key.ts";
import { StartupError } from "../errors/startup-error.ts";
import { createLogger } from "../observe/logger.ts";
import { masterKeyFilePath, masterKeyring, writeKeyFile } from "../runtime/master-keyring.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { type RotationReport, rotateMasterKey } from "../runtime/rotate-master-key.ts";
import { openDatabase } from "../store/database.ts";
import { runningEmbeddedUrl } from "../store/embedded-postgres.ts";
import { AIRLOCK_MIGRATIONS, pendingMigrations } from "../store/migrate.ts";
import { api, apiOptions, parseApiCommandArgs, responsePrinter } from "./api-client.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";
import { table } from "./text-table.ts";

const HELP = [
  "Usage: airlock secrets <subcommand> [options] [--server URL] [--token TOKEN] [--json]",
  "",
  "Secrets are stored encrypted and never shown again, by any command or page.",
  "",
  "  list                       names, owners, versions, who changed them when",
  "  set NAME [--owner WHO]     create or replace NAME; the value is read from standard input",
  "                             (one trailing newline dropped), never from an argument",
  "  delete NAME                delete NAME",
  "  rotate-key                 re-wrap every encrypted record under the current master key:",
  "                             with DATABASE_URL, set AIRLOCK_MASTER_KEY to the new key and",
  "                             AIRLOCK_MASTER_KEY_PREVIOUS to the old one(s); with the embedded",
  "                             database (Airlock stopped), a new key is generated in the key file",
  "",
  "  --server   Airlock's URL (default: $AIRLOCK_URL or http://127.0.0.1:3000)",
  "  --token    an admin's API token (default: $AIRLOCK_TOKEN)",
  "  --json     print the API's JSON answer",
].join("\n");

export const secretsCommand: Command = {
  name: "secrets",
  summary: "Manage secrets and the master key: airlock secrets list|set NAME|delete NAME|rotate-key",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseApiCommandArgs(args, {
      owner: { type: "string" },
    });
    const [sub, ...rest] = positionals;
    if (sub === "rotate-key") {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return await rotateKey(io, values.json ?? false);
    }
    const options = apiOptions(values, io.env);
    const show = responsePrinter(io, values.json);
    switch (sub) {
      case "list": {
        if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
        const response = await api(options, "GET", "/api/v1/admin/secrets");
        return show(response, () => {
          const secrets = (response.body as { secrets: SecretInfo[] }).secrets;
          if (secrets.length === 0) return io.out("No secrets.");
          io.out(
            table(
              ["NAME", "VERSION", "OWNER", "UPDATED", "BY"],
              secrets.map((s) => [s.name, String(s.version), s.owner ?? "", s.updatedAt, s.updatedBy]),
            ),
          );
        });
      }
      case "set": {
        const name = one(rest, "set NAME");
        const value = await readValue(io);
        const response = await api(options, "PUT", `/api/v1/admin/secrets/${encodeURIComponent(name)}`, {
          body: { value, ...(values.owner ? { owner: values.owner } : {}) },
        });
        return show(response, () => {
          const secret = response.body as SecretInfo;
          io.out(
            `${response.status === 201 ? "Created" : "Replaced"} ${secret.name} (version ${secret.version}).`,
          );
        });
      }
      case "delete": {
        const name = one(rest, "delete NAME");
        const response = await api(options, "DELETE", `/api/v1/admin/secrets/${encodeURIComponent(name)}`);
        return show(response, () => io.out(`Deleted ${name}.`));
      }
      default:
        throw new UsageError(
          sub
            ? `unknown subcommand "${sub}" (list, set, delete, rotate-key)`
            : "name a subcommand: list, set, delete, rotate-key",
        );
    }
  },
};

function one(rest: string[], usage: string): string {
  if (rest.length !== 1) throw new UsageError(`usage: airlock secrets ${usage}`);
  return rest[0]!;
}

/** The value from standard input: never an argument, which ends up in shell history and `ps`. */
async function readValue(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? process.stdin) chunks.push(Buffer.from(chunk));
  const value = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (!value) throw new UsageError("set read nothing from standard input; pipe the value in");
  return value;
}

async function rotateKey(io: CliIo, json: boolean): Promise<number> {
  const config = loadConfig(io.env);
  const log = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  let keyring: Keyring;
  let keyFile: { path: string; keys: string[] } | null = null;
  if (config.masterKey) {
    keyring = masterKeyring(config, log, { embedded: false })!;
  } else if (config.databaseUrl) {
    throw new StartupError(
      "config.invalid",
      "rotate-key: set AIRLOCK_MASTER_KEY to the new key and AIRLOCK_MASTER_KEY_PREVIOUS to the old one(s) (docs/security.md)",
    );
  } else {
    // Embedded: the running server holds the old key in memory and would keep writing under it.
    if (await runningEmbeddedUrl(config.dataDir))
      throw new StartupError("config.invalid", "rotate-key: stop the Airlock running in this data dir first");
    const path = masterKeyFilePath(config);
    const old = existsSync(path) ? readFileSync(path, "utf8").split(/\s+/).filter(Boolean) : [];
    const fresh = generateMasterKeyText();
    // The old keys stay readable until every record is re-wrapped; a crash leaves both in the file.
    writeKeyFile(path, [fresh, ...old]);
    keyFile = { path, keys: [fresh] };
    keyring = createKeyring(parseMasterKey(fresh), old.map(parseMasterKey));
  }
  const provided = await provideDatabase(config, log);
  let report: RotationReport;
  try {
    const database = openDatabase({ url: provided.url, max: 2, log });
    try {
      const client = await database.pool.connect();
      const pending = await pendingMigrations(client, [AIRLOCK_MIGRATIONS]).finally(() => client.release());
      if (pending.length > 0)
        throw new StartupError(
          "config.invalid",
          "rotate-key: the database is not migrated; run airlock migrate first",
        );
      report = await rotateMasterKey(database.pool, keyring);
    } finally {
      await database.close();
    }
  } finally {
    await provided.stop();
  }
  if (keyFile && report.unreadable.length === 0) writeKeyFile(keyFile.path, keyFile.keys);
  if (json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(
      `Re-wrapped under master key ${report.keyId}: ${report.secrets} secret(s), ${report.runs} run(s) with PII.`,
    );
    if (report.unreadable.length > 0)
      io.err(
        `Not readable with the keys held (keep the previous key and retry): ${report.unreadable.join(", ")}`,
      );
    else if (!keyFile)
      io.out("Nothing is left under a previous key: AIRLOCK_MASTER_KEY_PREVIOUS can be removed.");
  }
  return report.unreadable.length === 0 ? 0 : 1;
}
