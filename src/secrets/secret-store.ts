// The secret store. Values are encrypted before they reach the database (crypto/envelope.ts) and
// decrypted only by `readSecret`, for server-side code (resources); no route returns a value, no
// audit event, log line or error message carries one. Admins create, replace and delete secrets
// (each change audited with its name and version, never its value) and list their names.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { EnvelopeError, open, rewrap, seal } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { type ChangeContext, changeEvent } from "../identity/admin-change.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import { isSecretName, requireSecretName, secretContext } from "./secret-name.ts";

/** A secret as admins see it (api/secrets.ts `secretInfo`): never its value. */
export interface SecretInfo {
  name: string;
  version: number;
  owner: string | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  links: { self: string };
}

interface SecretRow {
  name: string;
  envelope: Buffer;
  version: number;
  owner: string | null;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
}

const INFO_COLUMNS = "name, version, owner, created_by, created_at, updated_by, updated_at";

function infoOf(row: Omit<SecretRow, "envelope">): SecretInfo {
  return {
    name: row.name,
    version: row.version,
    owner: row.owner,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedBy: row.updated_by,
    updatedAt: row.updated_at.toISOString(),
    links: { self: `/api/v1/admin/secrets/${row.name}` },
  };
}

function requireKeyring(keyring: Keyring | null): Keyring {
  if (!keyring) throw new AirlockError("secret.no_master_key");
  return keyring;
}

/**
 * The value of secret `name`, decrypted, or undefined when there is no such secret. For
 * server-side code only (a resource's connection URL); never hand the value to a client.
 * Throws `secret.no_master_key` without a keyring, `secret.unreadable` (naming the secret, and
 * the master key id it needs when that is the reason) if it does not decrypt.
 */
export async function readSecret(
  db: Queryable,
  keyring: Keyring | null,
  name: string,
): Promise<string | undefined> {
  if (!isSecretName(name)) return undefined;
  const result = await db.query<Pick<SecretRow, "envelope" | "version">>(
    "SELECT envelope, version FROM airlock.secrets WHERE name = $1",
    [name],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  try {
    return open(requireKeyring(keyring), row.envelope, secretContext(name, row.version)).toString("utf8");
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    throw new AirlockError(
      "secret.unreadable",
      `The secret ${name} cannot be decrypted: ${error.message}.`,
      error.keyId ? { name, keyId: error.keyId } : { name },
    );
  }
}

/** Which of `names` have no secret (checked when a workspace loads: a missing one is named then). */
export async function missingSecrets(db: Queryable, names: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  const found = await db.query<{ name: string }>(
    "SELECT name FROM airlock.secrets WHERE name = ANY($1::text[])",
    [wanted],
  );
  const present = new Set(found.rows.map((row) => row.name));
  return wanted.filter((name) => !present.has(name));
}

export async function secretExists(db: Queryable, name: string): Promise<boolean> {
  return isSecretName(name) && (await missingSecrets(db, [name])).length === 0;
}

export async function listSecrets(db: Queryable): Promise<SecretInfo[]> {
  const result = await db.query<SecretRow>(`SELECT ${INFO_COLUMNS} FROM airlock.secrets ORDER BY name`);
  return result.rows.map(infoOf);
}

export async function getSecretInfo(db: Queryable, name: string): Promise<SecretInfo> {
  requireSecretName(name);
  const result = await db.query<SecretRow>(`SELECT ${INFO_COLUMNS} FROM airlock.secrets WHERE name = $1`, [
    name,
  ]);
  if (!result.rows[0]) throw new AirlockError("secret.not_found", undefined, { name });
  return infoOf(result.rows[0]);
}

/**
 * Creates secret `name`, or replaces its value (version + 1), with its audit event in the same
 * transaction. The row lock serializes concurrent replacements, so versions never repeat.
 */
export async function putSecret(
  pool: pg.Pool,
  keyring: Keyring | null,
  ctx: ChangeContext,
  input: { name: string; value: string; owner?: string | undefined },
): Promise<{ secret: SecretInfo; created: boolean }> {
  const name = requireSecretName(input.name);
  const ring = requireKeyring(keyring);
  // Free text shown in lists and the audit: PII typed into it is masked first.
  const owner = input.owner === undefined ? undefined : scrubText(input.owner);
  for (let attempt = 0; ; attempt++) {
    const outcome = await inTransaction(pool, async (tx) => {
      const current = await tx.query<{ version: number }>(
        "SELECT version FROM airlock.secrets WHERE name = $1 FOR UPDATE",
        [name],
      );
      const previous = current.rows[0]?.version;
      const version = (previous ?? 0) + 1;
      const envelope = seal(ring, input.value, secretContext(name, version));
      const written =
        previous === undefined
          ? await tx.query<SecretRow>(
              `INSERT INTO airlock.secrets (name, envelope, version, owner, created_by, updated_by)
               VALUES ($1, $2, 1, $3, $4, $4) ON CONFLICT (name) DO NOTHING RETURNING ${INFO_COLUMNS}`,
              [name, envelope, owner ?? ctx.actor.id, ctx.actor.id],
            )
          : await tx.query<SecretRow>(
              `UPDATE airlock.secrets SET envelope = $2, version = $3, owner = COALESCE($4, owner),
                      updated_by = $5, updated_at = now()
                WHERE name = $1 RETURNING ${INFO_COLUMNS}`,
              [name, envelope, version, owner ?? null, ctx.actor.id],
            );
      const row = written.rows[0];
      if (!row) return null; // created concurrently: replace it on the next attempt
      const created = previous === undefined;
      await appendAudit(tx, [
        changeEvent(
          ctx,
          created ? "secret.created" : "secret.replaced",
          { type: "secret", id: name },
          { version: row.version, owner: row.owner },
        ),
      ]);
      return { secret: infoOf(row), created };
    });
    if (outcome) return outcome;
    if (attempt >= 2) throw new Error(`secret ${name} kept changing while it was written`);
  }
}

/** Deletes secret `name` with its audit event; `secret.not_found` if there is none. */
export async function deleteSecret(pool: pg.Pool, ctx: ChangeContext, rawName: string): Promise<void> {
  const name = requireSecretName(rawName);
  await inTransaction(pool, async (tx) => {
    const deleted = await tx.query<{ version: number }>(
      "DELETE FROM airlock.secrets WHERE name = $1 RETURNING version",
      [name],
    );
    if (!deleted.rows[0]) throw new AirlockError("secret.not_found", undefined, { name });
    await appendAudit(tx, [
      changeEvent(ctx, "secret.deleted", { type: "secret", id: name }, { version: deleted.rows[0].version }),
    ]);
  });
}

/**
 * Rotation: re-wraps the data key of every secret not yet under the current master key (the
 * value's ciphertext is kept). A secret replaced meanwhile is skipped (its new envelope already
 * uses the current key). Names the secrets whose data key no held key unwraps.
 */
export async function rewrapSecrets(
  db: Queryable,
  keyring: Keyring,
): Promise<{ rewrapped: number; unreadable: string[] }> {
  const currentId = Buffer.from(keyring.current.id, "hex");
  const stale = await db.query<Pick<SecretRow, "name" | "envelope" | "version">>(
    "SELECT name, envelope, version FROM airlock.secrets WHERE substring(envelope from 2 for 8) <> $1 ORDER BY name",
    [currentId],
  );
  let rewrapped = 0;
  const unreadable: string[] = [];
  for (const row of stale.rows) {
    let envelope: Buffer | null;
    try {
      envelope = rewrap(keyring, row.envelope, secretContext(row.name, row.version));
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      unreadable.push(row.name);
      continue;
    }
    if (!envelope) continue;
    const updated = await db.query(
      "UPDATE airlock.secrets SET envelope = $3 WHERE name = $1 AND version = $2 AND envelope = $4",
      [row.name, row.version, envelope, row.envelope],
    );
    rewrapped += updated.rowCount ?? 0;
  }
  return { rewrapped, unreadable };
}
