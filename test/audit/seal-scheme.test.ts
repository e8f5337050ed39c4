import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, test } from "node:test";
import type pg from "pg";
import { streamChain } from "../../src/audit/chain-reader.ts";
import {
  generateSigningKeyPair,
  parseSigningKey,
  parseVerifyKey,
  signRoot,
  verifyRootSignature,
} from "../../src/audit/seal-key.ts";
import {
  CANONICAL_COLUMNS_V1,
  CANONICAL_TEXT_SELECT,
  canonicalLine,
  chainRangeSql,
  eventHash,
} from "../../src/audit/seal-scheme.ts";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let owner: pg.Client;
before(async () => {
  db = await createTestDatabase();
  owner = await ownerClient(db.url);
});
after(async () => {
  await owner.end();
  await db.drop();
});

const TRICKY = [
  "plain",
  "",
  "tab\there",
  "new\nline",
  "cr\rlf",
  "back\\slash \\N",
  "\b\f\v and \u0001 and \u007f",
  "ünïcødé 🚀 \u2028",
  "=cmd|' /C calc'!A0",
];

test("the canonical row built in JavaScript is byte for byte what COPY prints", async () => {
  for (const [i, text] of TRICKY.entries()) {
    await owner.query(
      `INSERT INTO airlock.audit_events (type, outcome, reason, actor_id, params, data, occurred_at)
       VALUES ('run.failed', 'failure', $1, $2, $3::jsonb, $4::jsonb, '2024-02-29 23:59:59.123456+01')`,
      [
        text,
        i % 2 ? null : "",
        JSON.stringify({ text, n: 1.5e20, nested: { b: [1, null, true], a: "é" } }),
        i % 3 ? null : "null",
      ],
    );
  }
  const copied: Buffer[] = [];
  await streamChain(owner, chainRangeSql({}), (e) => void copied.push(Buffer.from(e.line)));
  const rows = await owner.query({
    text: `SELECT ${CANONICAL_TEXT_SELECT} FROM airlock.audit_events ORDER BY txid, id`,
    rowMode: "array",
  });
  assert.equal(copied.length, TRICKY.length);
  rows.rows.forEach((fields: (string | null)[], i) => {
    assert.equal(fields.length, CANONICAL_COLUMNS_V1.length);
    assert.deepEqual(canonicalLine(fields), copied[i], `row ${i}`);
  });
  // Microseconds since the epoch, whatever the session's time zone.
  assert.equal(rows.rows[0]?.[2], "1709247599123456");
  await owner.query("SET TIME ZONE 'America/New_York'");
  const again: Buffer[] = [];
  await streamChain(owner, chainRangeSql({}), (e) => void again.push(Buffer.from(e.line)));
  await owner.query("RESET TIME ZONE");
  assert.deepEqual(again, copied);
});

test("NULL and the empty string hash differently; a moved field boundary changes the hash", () => {
  const base = ["1", "2", "3"];
  assert.notDeepEqual(
    eventHash(canonicalLine([...base, null, "x"])),
    eventHash(canonicalLine([...base, "", "x"])),
  );
  assert.notDeepEqual(
    eventHash(canonicalLine([...base, "a\t", "b"])),
    eventHash(canonicalLine([...base, "a", "\tb"])),
  );
  assert.notDeepEqual(eventHash(canonicalLine([...base, "\\N"])), eventHash(canonicalLine([...base, null])));
});

test("signing keys: PEM and base64 DER, Ed25519 only, clear errors", () => {
  const pair = generateSigningKeyPair();
  const fromPem = parseSigningKey(pair.privateKey);
  const der = fromPem.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
  const fromDer = parseSigningKey(der);
  assert.equal(fromPem.keyId, pair.keyId);
  assert.equal(fromDer.keyId, pair.keyId);
  assert.match(pair.keyId, /^[0-9a-f]{64}$/);

  const signature = signRoot(fromDer, "v1", "ab".repeat(32));
  const spkiDer = fromPem.publicKey.export({ type: "spki", format: "der" }).toString("base64");
  for (const text of [pair.publicKey, spkiDer, pair.privateKey]) {
    assert.equal(verifyRootSignature(parseVerifyKey(text), "v1", "ab".repeat(32), signature), true);
  }
  assert.equal(verifyRootSignature(parseVerifyKey(pair.publicKey), "v1", "cd".repeat(32), signature), false);
  assert.equal(verifyRootSignature(parseVerifyKey(pair.publicKey), "v1", "ab".repeat(32), "garbage"), false);

  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
  assert.throws(() => parseSigningKey(rsa), /must be an Ed25519 key, not rsa/);
  assert.throws(() => parseSigningKey("not a key!"), /not a PKCS#8 private key/);
  assert.throws(() => parseSigningKey("aGVsbG8="), /not a PKCS#8 private key/);
});
