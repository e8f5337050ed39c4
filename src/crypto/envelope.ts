// Envelope encryption (AES-256-GCM): each record gets its own random data key, which encrypts
// the record; the data key is stored beside it, wrapped (encrypted) by the current master key and
// tagged with that key's id. Rotating the master key re-wraps the small data keys, never the data.
//
// Both encryptions carry the record's context (e.g. `airlock.secrets:LEDGER_DB_URL:3`) as
// associated data: GCM refuses to open a ciphertext under any other context, so a value copied
// to another row, another column or an older version of a row does not decrypt.
//
// Layout (bytes): version 1 | master key id 8 | wrap IV 12 | wrapped data key 32 | wrap tag 16 |
// data IV 12 | data tag 16 | ciphertext. The key id sits at a fixed offset (1..8) so SQL can find
// records still wrapped by an old key: `substring(envelope from 2 for 8)`.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring.ts";
import { KEY_ID_BYTES, type MasterKey } from "./master-key.ts";

const VERSION = 1;
const IV = 12;
const TAG = 16;
const DATA_KEY = 32;
const KEY_ID_AT = 1;
const WRAP_AT = KEY_ID_AT + KEY_ID_BYTES;
const DATA_AT = WRAP_AT + IV + DATA_KEY + TAG;
const CIPHERTEXT_AT = DATA_AT + IV + TAG;

/** Why an envelope did not open. The message never holds key or plaintext material. */
export class EnvelopeError extends Error {
  readonly reason: "unknown_key" | "tampered" | "malformed";
  /** The master key id the envelope names (to say which key is missing). */
  readonly keyId: string | null;
  constructor(reason: EnvelopeError["reason"], message: string, keyId: string | null = null) {
    super(message);
    this.name = "EnvelopeError";
    this.reason = reason;
    this.keyId = keyId;
  }
}

function aad(part: "wrap" | "data", context: string): Buffer {
  return Buffer.from(`airlock envelope v${VERSION} ${part}\0${context}`, "utf8");
}

function encrypt(
  key: Buffer,
  plaintext: Buffer,
  associated: Buffer,
): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(associated);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ct };
}

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ct: Buffer, associated: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(associated);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new EnvelopeError(
      "tampered",
      "the encrypted value does not authenticate (altered, or moved from another record)",
    );
  }
}

function wrap(master: MasterKey, dataKey: Buffer, context: string): Buffer {
  const { iv, tag, ct } = encrypt(master.key, dataKey, aad("wrap", context));
  return Buffer.concat([Buffer.from([VERSION]), Buffer.from(master.id, "hex"), iv, ct, tag]);
}

/** The id of the master key that wrapped this envelope's data key. */
export function envelopeKeyId(envelope: Buffer): string {
  check(envelope);
  return envelope.subarray(KEY_ID_AT, WRAP_AT).toString("hex");
}

function check(envelope: Buffer): void {
  if (envelope.length < CIPHERTEXT_AT || envelope[0] !== VERSION)
    throw new EnvelopeError("malformed", "the encrypted value is not an Airlock envelope (version 1)");
}

function unwrap(keyring: Keyring, envelope: Buffer, context: string): Buffer {
  const keyId = envelopeKeyId(envelope);
  const master = keyring.keys.get(keyId);
  if (!master)
    throw new EnvelopeError(
      "unknown_key",
      `the value was encrypted under master key ${keyId}, which this process does not hold (set it as AIRLOCK_MASTER_KEY_PREVIOUS until rotation completes)`,
      keyId,
    );
  const iv = envelope.subarray(WRAP_AT, WRAP_AT + IV);
  const ct = envelope.subarray(WRAP_AT + IV, WRAP_AT + IV + DATA_KEY);
  const tag = envelope.subarray(WRAP_AT + IV + DATA_KEY, DATA_AT);
  return decrypt(master.key, iv, tag, ct, aad("wrap", context));
}

/** Encrypts `plaintext` for the record named by `context`, under a fresh data key. */
export function seal(keyring: Keyring, plaintext: Buffer | string, context: string): Buffer {
  const dataKey = randomBytes(DATA_KEY);
  try {
    const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
    const { iv, tag, ct } = encrypt(dataKey, data, aad("data", context));
    return Buffer.concat([wrap(keyring.current, dataKey, context), iv, tag, ct]);
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypts an envelope made by `seal` for the same context; throws EnvelopeError otherwise. */
export function open(keyring: Keyring, envelope: Buffer, context: string): Buffer {
  const dataKey = unwrap(keyring, envelope, context);
  try {
    const iv = envelope.subarray(DATA_AT, DATA_AT + IV);
    const tag = envelope.subarray(DATA_AT + IV, CIPHERTEXT_AT);
    return decrypt(dataKey, iv, tag, envelope.subarray(CIPHERTEXT_AT), aad("data", context));
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The same envelope with its data key wrapped by the current master key (the ciphertext is kept
 * as is), or null when it already is. Throws EnvelopeError if the data key does not unwrap.
 */
export function rewrap(keyring: Keyring, envelope: Buffer, context: string): Buffer | null {
  if (envelopeKeyId(envelope) === keyring.current.id) return null;
  const dataKey = unwrap(keyring, envelope, context);
  try {
    return Buffer.concat([wrap(keyring.current, dataKey, context), envelope.subarray(DATA_AT)]);
  } finally {
    dataKey.fill(0);
  }
}
