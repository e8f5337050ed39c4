// Ed25519 keys for signing seal roots. A database administrator can rewrite rows and recompute
// every hash; a signature made with a key kept outside the database is what they cannot forge.
// Keys arrive as text (environment variables, files): PEM, or the base64 of the DER bytes.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { signedMessage } from "./seal-scheme.ts";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SHA-256 of the public key's SPKI DER, hex: names the key in each seal. */
  keyId: string;
}

function keyBytes(text: string): { key: string | Buffer; format: "pem" | "der" } {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) return { key: trimmed, format: "pem" };
  if (!/^[A-Za-z0-9+/=\s]+$/.test(trimmed)) throw new Error("not PEM and not base64");
  return { key: Buffer.from(trimmed.replace(/\s+/g, ""), "base64"), format: "der" };
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`the audit ${what} must be an Ed25519 key, not ${key.asymmetricKeyType ?? "a secret"}`);
  }
  return key;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** Parses an Ed25519 private key: PKCS#8 PEM, or base64 of PKCS#8 DER. Throws with a clear message. */
export function parseSigningKey(text: string): SigningKey {
  let privateKey: KeyObject;
  try {
    const { key, format } = keyBytes(text);
    privateKey = createPrivateKey(format === "pem" ? { key } : { key, format: "der", type: "pkcs8" });
  } catch (error) {
    throw new Error(`the audit signing key is not a PKCS#8 private key (${(error as Error).message})`);
  }
  requireEd25519(privateKey, "signing key");
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Parses a key that verifies seals: an SPKI public key (PEM or base64 DER) or a private key. */
export function parseVerifyKey(text: string): KeyObject {
  const { key, format } = keyBytes(text);
  if (format === "pem") {
    const pem = key as string;
    return requireEd25519(
      pem.includes("PRIVATE KEY") ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem),
      "verify key",
    );
  }
  try {
    return requireEd25519(createPublicKey({ key, format: "der", type: "spki" }), "verify key");
  } catch {
    return parseSigningKey(text).publicKey;
  }
}

/** A fresh key pair as PEM text, e.g. for demo mode or `airlock audit keygen`. */
export function generateSigningKeyPair(): { privateKey: string; publicKey: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    publicKey: publicKey.export({ type: "spki", format: "pem" }) as string,
    keyId: keyIdOf(publicKey),
  };
}

/** Base64 Ed25519 signature of a seal root. */
export function signRoot(key: SigningKey, scheme: string, root: string): string {
  return sign(null, signedMessage(scheme, root), key.privateKey).toString("base64");
}

export function verifyRootSignature(
  publicKey: KeyObject,
  scheme: string,
  root: string,
  signature: string,
): boolean {
  try {
    return verify(null, signedMessage(scheme, root), publicKey, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}
