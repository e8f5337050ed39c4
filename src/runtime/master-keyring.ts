// The master keys of this process (crypto/keyring.ts). Configured in production: AIRLOCK_MASTER_KEY
// (current) and AIRLOCK_MASTER_KEY_PREVIOUS (comma-separated, read-only during a rotation). With
// the embedded database, a key file is generated once beside the data (mode 0600), as the audit
// signing key is: its first line is the current key, further lines previous ones. Without either,
// nothing can be encrypted: secrets are refused and classified run values are kept masked only
// (never raw), and the start says so.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/config.ts";
import { createKeyring, type Keyring } from "../crypto/keyring.ts";
import { generateMasterKeyText, type MasterKey, parseMasterKey } from "../crypto/master-key.ts";
import { StartupError } from "../errors/startup-error.ts";
import type { Log } from "../observe/logger.ts";

export const MASTER_KEY_FILE = "master-key";

function parseNamed(name: string, text: string): MasterKey {
  try {
    return parseMasterKey(text);
  } catch (error) {
    throw new StartupError("config.invalid", `${name}: ${(error as Error).message}`);
  }
}

function parseList(name: string, text: string | null): MasterKey[] {
  if (!text) return [];
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part, i) => parseNamed(`${name} (entry ${i + 1})`, part));
}

export function masterKeyFilePath(config: Config): string {
  return join(config.dataDir, MASTER_KEY_FILE);
}

/** Reads the key file of an embedded installation, creating it (0600) on first use. */
export function embeddedKeyring(path: string): Keyring {
  if (!existsSync(path)) {
    try {
      // `wx`: a server and a worker starting together must not write two different keys.
      writeFileSync(path, `${generateMasterKeyText()}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  const [current, ...previous] = parseList(path, readFileSync(path, "utf8"));
  if (!current) throw new StartupError("config.invalid", `${path}: the master key file is empty`);
  return createKeyring(current, previous);
}

/** Writes a key file atomically (a crash leaves the old file or the new one, never half of one). */
export function writeKeyFile(path: string, keys: readonly string[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${keys.join("\n")}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

export function masterKeyring(config: Config, log: Log, options: { embedded: boolean }): Keyring | null {
  const previous = parseList("AIRLOCK_MASTER_KEY_PREVIOUS", config.masterKeyPrevious);
  if (config.masterKey) return createKeyring(parseNamed("AIRLOCK_MASTER_KEY", config.masterKey), previous);
  if (previous.length > 0)
    throw new StartupError(
      "config.invalid",
      "AIRLOCK_MASTER_KEY_PREVIOUS is set without AIRLOCK_MASTER_KEY: set the new key as AIRLOCK_MASTER_KEY",
    );
  if (options.embedded) return embeddedKeyring(masterKeyFilePath(config));
  log.warn(
    "AIRLOCK_MASTER_KEY is not set: secrets cannot be stored, and PII-classified run values are kept masked only (not revealable; actions that queue or wait for approval with classified parameters are refused). See docs/security.md",
  );
  return null;
}

/**
 * The current key of a development key file (created on first use), for `airlock dev` on a
 * database of its own (DATABASE_URL) without AIRLOCK_MASTER_KEY: a developer's machine keeps its
 * key beside its data, as an embedded installation does.
 */
export function developmentMasterKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, MASTER_KEY_FILE);
  embeddedKeyring(path);
  const [current] = readFileSync(path, "utf8")
    .split(/[\s,]+/)
    .filter(Boolean);
  return current!;
}
