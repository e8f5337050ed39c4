import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/config.ts";
import { EnvelopeError, envelopeKeyId, open, rewrap, seal } from "../../src/crypto/envelope.ts";
import { createKeyring } from "../../src/crypto/keyring.ts";
import { generateMasterKeyText, parseMasterKey } from "../../src/crypto/master-key.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { embeddedKeyring, masterKeyring } from "../../src/runtime/master-keyring.ts";

const silent = createLogger({ level: "silent" });
const keyA = parseMasterKey(generateMasterKeyText());
const keyB = parseMasterKey(generateMasterKeyText());
const ringA = createKeyring(keyA);

test("a sealed value opens under its own context and key, and nowhere else", () => {
  const envelope = seal(ringA, "sk_live_canary", "airlock.secrets:STRIPE_KEY:1");
  assert.equal(open(ringA, envelope, "airlock.secrets:STRIPE_KEY:1").toString(), "sk_live_canary");
  assert.ok(!envelope.includes(Buffer.from("sk_live_canary")), "the plaintext is not in the envelope");
  // Copied to another row, or replayed as another version of the same row: refused.
  for (const other of ["airlock.secrets:OTHER:1", "airlock.secrets:STRIPE_KEY:2", ""]) {
    assert.throws(
      () => open(ringA, envelope, other),
      (e: unknown) => e instanceof EnvelopeError && e.reason === "tampered",
    );
  }
  // Another master key cannot open it, and says which key it needs.
  assert.throws(
    () => open(createKeyring(keyB), envelope, "airlock.secrets:STRIPE_KEY:1"),
    (e: unknown) => e instanceof EnvelopeError && e.reason === "unknown_key" && e.keyId === keyA.id,
  );
});

test("two seals of one value differ (fresh data key and IVs)", () => {
  assert.notDeepEqual(seal(ringA, "same", "c"), seal(ringA, "same", "c"));
});

test("tamper: flipping any single byte of an envelope makes it refuse to open", () => {
  const envelope = seal(ringA, "4111111111111111", "airlock.runs:run_1:params");
  let refused = 0;
  for (let i = 0; i < envelope.length; i++) {
    const altered = Buffer.from(envelope);
    altered[i] = altered[i]! ^ 0x01;
    try {
      open(ringA, altered, "airlock.runs:run_1:params");
      assert.fail(`byte ${i} altered and the envelope still opened`);
    } catch (error) {
      assert.ok(error instanceof EnvelopeError, String(error));
      refused++;
    }
  }
  assert.equal(refused, envelope.length);
  assert.throws(
    () => open(ringA, envelope.subarray(0, 40), "airlock.runs:run_1:params"),
    (e: unknown) => e instanceof EnvelopeError && e.reason === "malformed",
  );
});

test("rotation: rewrap moves the data key under the new master key; the old key is then not needed", () => {
  const envelope = seal(ringA, "value", "ctx");
  const during = createKeyring(keyB, [keyA]);
  assert.equal(open(during, envelope, "ctx").toString(), "value", "the previous key still reads");
  const rewrapped = rewrap(during, envelope, "ctx")!;
  assert.equal(envelopeKeyId(rewrapped), keyB.id);
  assert.deepEqual(rewrapped.subarray(69), envelope.subarray(69), "the ciphertext itself is kept");
  assert.equal(rewrap(during, rewrapped, "ctx"), null, "already under the current key");
  assert.equal(open(createKeyring(keyB), rewrapped, "ctx").toString(), "value");
  assert.throws(() => rewrap(during, envelope, "other ctx"), EnvelopeError);
});

test("a malformed AIRLOCK_MASTER_KEY stops the start, naming the variable but not echoing the value", () => {
  for (const bad of ["not base64!!", Buffer.alloc(16, 7).toString("base64"), "c2VjcmV0"]) {
    const config = loadConfig({ AIRLOCK_MASTER_KEY: bad });
    assert.throws(
      () => masterKeyring(config, silent, { embedded: false }),
      (e: Error & { code?: string }) =>
        e.code === "config.invalid" &&
        e.message.startsWith("AIRLOCK_MASTER_KEY:") &&
        !e.message.includes(bad),
    );
  }
  const previousOnly = loadConfig({ AIRLOCK_MASTER_KEY_PREVIOUS: generateMasterKeyText() });
  assert.throws(() => masterKeyring(previousOnly, silent, { embedded: false }), /without AIRLOCK_MASTER_KEY/);
  const bothSet = loadConfig({
    AIRLOCK_MASTER_KEY: generateMasterKeyText(),
    AIRLOCK_MASTER_KEY_PREVIOUS: `${generateMasterKeyText()},${generateMasterKeyText()}`,
  });
  assert.equal(masterKeyring(bothSet, silent, { embedded: false })!.keys.size, 3);
  assert.equal(masterKeyring(loadConfig({}), silent, { embedded: false }), null);
});

test("embedded mode generates the key file once, mode 0600, and keeps using it", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-key-"));
  try {
    const config = loadConfig({ AIRLOCK_DATA_DIR: dir });
    const first = masterKeyring(config, silent, { embedded: true })!;
    const second = masterKeyring(config, silent, { embedded: true })!;
    assert.equal(first.current.id, second.current.id);
    const path = join(dir, "master-key");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(embeddedKeyring(path).current.id, first.current.id);
    assert.match(readFileSync(path, "utf8"), /^[A-Za-z0-9+/]{43}=\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
