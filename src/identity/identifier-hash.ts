// A keyed hash of text a person typed where an identifier belongs (an email that names no user:
// possibly a password typed into the wrong field). Equal texts hash equally, so attempts can be
// counted and grouped; without the key (airlock.server_keys, migration 0016) a stored hash cannot
// be tested against guesses, as an unkeyed SHA-256 of a weak password can.
import { createHmac } from "node:crypto";

export const IDENTIFIER_KEY_NAME = "identifier_hash";

export function identifierHash(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}
