// Keys Airlock generates for itself (migrations/0019_sealed_keys.sql), sealed under the master key:
// created once by the first process that needs one (a race is settled by the primary key), the
// same for every process afterwards, unchanged by master key rotation (only re-wrapped).
import { randomBytes } from "node:crypto";
import { EnvelopeError, open, rewrap, seal } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Queryable } from "../store/queryable.ts";

function context(name: string): string {
  return `airlock.sealed_keys:${name}`;
}

/** The 32-byte key `name`, created on first use. Throws EnvelopeError if it does not open. */
export async function sealedKey(db: Queryable, keyring: Keyring, name: string): Promise<Buffer> {
  await db.query(
    "INSERT INTO airlock.sealed_keys (name, envelope) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    [name, seal(keyring, randomBytes(32), context(name))],
  );
  const row = await db.query<{ envelope: Buffer }>(
    "SELECT envelope FROM airlock.sealed_keys WHERE name = $1",
    [name],
  );
  return open(keyring, row.rows[0]!.envelope, context(name));
}

/** Rotation: every sealed key re-wrapped under the current master key; names those none opens. */
export async function rewrapSealedKeys(
  db: Queryable,
  keyring: Keyring,
): Promise<{ rewrapped: number; unreadable: string[] }> {
  const rows = await db.query<{ name: string; envelope: Buffer }>(
    "SELECT name, envelope FROM airlock.sealed_keys WHERE substring(envelope from 2 for 8) <> $1 ORDER BY name",
    [Buffer.from(keyring.current.id, "hex")],
  );
  let rewrapped = 0;
  const unreadable: string[] = [];
  for (const row of rows.rows) {
    try {
      const envelope = rewrap(keyring, row.envelope, context(row.name));
      if (!envelope) continue;
      const updated = await db.query(
        "UPDATE airlock.sealed_keys SET envelope = $2 WHERE name = $1 AND envelope = $3",
        [row.name, envelope, row.envelope],
      );
      rewrapped += updated.rowCount ?? 0;
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      unreadable.push(row.name);
    }
  }
  return { rewrapped, unreadable };
}
