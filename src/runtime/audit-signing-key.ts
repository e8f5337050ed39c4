// The key that signs audit seals. Configured (AIRLOCK_AUDIT_SIGNING_KEY) in production; with the
// embedded database, generated once and kept beside it (mode 0600) so a fresh install signs from
// its first seal. Without either, seals are chained but unsigned, and the start says so.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKeyPair, parseSigningKey, type SigningKey } from "../audit/seal-key.ts";
import type { Config } from "../config/config.ts";
import { StartupError } from "../errors/startup-error.ts";
import type { Log } from "../observe/logger.ts";

export function auditSigningKey(config: Config, log: Log, options: { embedded: boolean }): SigningKey | null {
  if (config.auditSigningKey) {
    try {
      return parseSigningKey(config.auditSigningKey);
    } catch (error) {
      throw new StartupError("config.invalid", `AIRLOCK_AUDIT_SIGNING_KEY: ${(error as Error).message}`);
    }
  }
  if (!options.embedded) {
    log.warn(
      "AIRLOCK_AUDIT_SIGNING_KEY is not set: audit seals are hash-chained but not signed (see docs/decisions/0003-audit-sealing.md)",
    );
    return null;
  }
  const path = join(config.dataDir, "audit-signing-key.pem");
  if (!existsSync(path)) writeFileSync(path, generateSigningKeyPair().privateKey, { mode: 0o600 });
  return parseSigningKey(readFileSync(path, "utf8"));
}

export function publicKeyPem(key: SigningKey): string {
  return key.publicKey.export({ type: "spki", format: "pem" }).toString();
}
