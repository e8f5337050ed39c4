// A master key: 32 random bytes that never reach the database. It wraps (encrypts) the data keys
// of records; it encrypts nothing else. Each key is named by an id derived from it, so a record
// says which key wrapped its data key and several keys can be read side by side during rotation.
import { createHash, randomBytes } from "node:crypto";

export const MASTER_KEY_BYTES = 32;
/** Bytes of the key id stored in each envelope (8 bytes: a collision among a few keys is negligible). */
export const KEY_ID_BYTES = 8;

export interface MasterKey {
  /** Hex of the first 8 bytes of SHA-256("airlock master key id" ‖ 0 ‖ key). */
  id: string;
  key: Buffer;
}

export function masterKeyOf(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) throw new Error(`a master key is ${MASTER_KEY_BYTES} bytes`);
  const id = createHash("sha256")
    .update("airlock master key id\0")
    .update(key)
    .digest()
    .subarray(0, KEY_ID_BYTES)
    .toString("hex");
  return { id, key: Buffer.from(key) };
}

/**
 * Parses the base64 text of a 32-byte key (standard or URL-safe alphabet, padding optional). The
 * message never contains the text itself: it may be a real key pasted into the wrong variable.
 */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed))
    throw new Error("is not base64 (generate one with `openssl rand -base64 32`)");
  const bytes = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (bytes.length !== MASTER_KEY_BYTES)
    throw new Error(
      `must be the base64 of ${MASTER_KEY_BYTES} bytes, not ${bytes.length} (generate one with \`openssl rand -base64 32\`)`,
    );
  return masterKeyOf(bytes);
}

/** A fresh random key, as the base64 text a key file or AIRLOCK_MASTER_KEY holds. */
export function generateMasterKeyText(): string {
  return randomBytes(MASTER_KEY_BYTES).toString("base64");
}
