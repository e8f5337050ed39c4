// Webhook signing secrets at rest: sealed under the master key like the secret store's values
// (crypto/envelope.ts), bound to the webhook's id so an envelope copied onto another webhook does
// not open. The value must be readable to sign (HMAC), so it is encrypted, not hashed; it is
// shown to the admin once, at creation, and read back only by the delivery that signs with it.
import { EnvelopeError, open, rewrap, seal } from "../crypto/envelope.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Queryable } from "../store/queryable.ts";

function context(webhookId: string): string {
  return `airlock.webhooks:${webhookId}`;
}

export function sealWebhookSecret(keyring: Keyring | null, webhookId: string, secret: string): Buffer {
  if (!keyring)
    throw new AirlockError(
      "secret.no_master_key",
      "Webhook signing secrets are stored encrypted, which needs a master key, and this server has none: set AIRLOCK_MASTER_KEY (docs/security.md).",
    );
  return seal(keyring, secret, context(webhookId));
}

/** The secret a delivery signs with: from its envelope, or a row not sealed yet (written before). */
export function webhookSecret(
  keyring: Keyring | null,
  row: { id: string; secret_envelope: Buffer | null; plaintext_secret: string | null },
): string {
  if (row.secret_envelope) {
    if (!keyring) throw new Error("the webhook's secret is sealed and this server has no master key");
    return open(keyring, row.secret_envelope, context(row.id)).toString("utf8");
  }
  if (row.plaintext_secret !== null) return row.plaintext_secret;
  throw new Error("the webhook has no secret");
}

/**
 * Seals every secret still in plain text (rows written before migration 0054) and clears the plain
 * text, each in one compare-and-set UPDATE: two processes starting together seal each row once.
 * Returns how many were sealed.
 */
export async function sealPlaintextWebhookSecrets(db: Queryable, keyring: Keyring): Promise<number> {
  const rows = await db.query<{ id: string; plaintext_secret: string }>(
    "SELECT id, plaintext_secret FROM airlock.webhooks WHERE plaintext_secret IS NOT NULL",
  );
  let sealed = 0;
  for (const row of rows.rows) {
    const result = await db.query(
      `UPDATE airlock.webhooks SET secret_envelope = $2, plaintext_secret = NULL
        WHERE id = $1 AND plaintext_secret = $3`,
      [row.id, seal(keyring, row.plaintext_secret, context(row.id)), row.plaintext_secret],
    );
    sealed += result.rowCount ?? 0;
  }
  return sealed;
}

/** Master key rotation: every webhook's data key re-wrapped under the current key. */
export async function rewrapWebhookSecrets(
  db: Queryable,
  keyring: Keyring,
): Promise<{ rewrapped: number; unreadable: string[] }> {
  const rows = await db.query<{ id: string; secret_envelope: Buffer }>(
    `SELECT id, secret_envelope FROM airlock.webhooks
      WHERE secret_envelope IS NOT NULL AND substring(secret_envelope from 2 for 8) <> $1 ORDER BY id`,
    [Buffer.from(keyring.current.id, "hex")],
  );
  let rewrapped = 0;
  const unreadable: string[] = [];
  for (const row of rows.rows) {
    try {
      const envelope = rewrap(keyring, row.secret_envelope, context(row.id));
      if (!envelope) continue;
      await db.query("UPDATE airlock.webhooks SET secret_envelope = $2 WHERE id = $1", [row.id, envelope]);
      rewrapped++;
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      unreadable.push(row.id);
    }
  }
  return { rewrapped, unreadable };
}
