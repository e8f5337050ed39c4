// Secrets: admin-only management over HTTP and the CLI, values encrypted at rest and never sent
// back, every change audited without its value, rotation of the master key.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { type CliIo, main } from "../../src/cli/main.ts";
import { createKeyring } from "../../src/crypto/keyring.ts";
import { generateMasterKeyText, parseMasterKey } from "../../src/crypto/master-key.ts";
import { rotateMasterKey } from "../../src/runtime/rotate-master-key.ts";
import { missingSecrets, readSecret, secretExists } from "../../src/secrets/secret-store.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { demoLikeWorkspace } from "../identity/demo-like-workspace.ts";
import { auditEvents } from "../support/audit-events.ts";
import { startTestAirlock, TEST_MASTER_KEY, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

const CANARY = "pg://ledger:Canary-S3cret-7f1e9a@ledger.internal/ledger";

let t: TestAirlock;
let server: Listening;
let admin: TestUser;
let support: TestUser;
const answers: string[] = [];

before(async () => {
  t = await startTestAirlock({ workspace: demoLikeWorkspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  admin = await createUser(t.airlock.database.pool, { groups: ["admins"] });
  support = await createUser(t.airlock.database.pool, { groups: ["support"] });
});
after(async () => {
  await server.close(0);
  await t.close();
});

async function call(method: string, path: string, user: TestUser, body?: unknown) {
  const response = await t.request(path, {
    method,
    headers: { ...user.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Every text and json(b) column of every table in the database, searched for `needle`. */
async function databaseHits(needle: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
  try {
    const columns = await client.query<{ table_schema: string; table_name: string; column_name: string }>(
      `SELECT table_schema, table_name, column_name FROM information_schema.columns
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
          AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea', 'ARRAY')`,
    );
    const hits: string[] = [];
    for (const c of columns.rows) {
      const found = await client.query(
        `SELECT count(*)::int AS n FROM "${c.table_schema}"."${c.table_name}" WHERE position($1 in "${c.column_name}"::text) > 0`,
        [needle],
      );
      if (found.rows[0].n > 0) hits.push(`${c.table_schema}.${c.table_name}.${c.column_name}`);
    }
    return hits;
  } finally {
    await client.end();
  }
}

describe("admin API", () => {
  test("create, list, replace, delete: the value goes in and never comes back", async () => {
    const created = await call("PUT", "/api/v1/admin/secrets/LEDGER_DB_URL", admin, {
      value: CANARY,
      owner: "payments-team",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, "LEDGER_DB_URL");
    assert.equal(created.body.version, 1);
    assert.equal(created.body.owner, "payments-team");
    assert.equal(created.body.createdBy, admin.id);

    const list = await call("GET", "/api/v1/admin/secrets", admin);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.secrets.map((s: { name: string; version: number }) => [s.name, s.version]),
      [["LEDGER_DB_URL", 1]],
    );
    assert.equal(await readSecret(t.airlock.database.pool, t.airlock.keyring, "LEDGER_DB_URL"), CANARY);

    const replaced = await call("PUT", "/api/v1/admin/secrets/LEDGER_DB_URL", admin, {
      value: `${CANARY}-v2`,
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.version, 2);
    assert.equal(replaced.body.owner, "payments-team", "a replacement keeps the owner");
    assert.equal(
      await readSecret(t.airlock.database.pool, t.airlock.keyring, "LEDGER_DB_URL"),
      `${CANARY}-v2`,
    );
    const one = await call("GET", "/api/v1/admin/secrets/LEDGER_DB_URL", admin);
    assert.equal(one.status, 200);
    assert.equal(one.body.updatedBy, admin.id);

    await call("PUT", "/api/v1/admin/secrets/STRIPE_API_KEY", admin, { value: "sk_test_canary_42" });
    assert.deepEqual(await missingSecrets(t.airlock.database.pool, ["STRIPE_API_KEY", "NOPE", "NOPE"]), [
      "NOPE",
    ]);
    assert.equal(await secretExists(t.airlock.database.pool, "STRIPE_API_KEY"), true);

    assert.equal((await call("DELETE", "/api/v1/admin/secrets/STRIPE_API_KEY", admin)).status, 204);
    const gone = await call("GET", "/api/v1/admin/secrets/STRIPE_API_KEY", admin);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, "secret.not_found");
    assert.equal(
      (await call("DELETE", "/api/v1/admin/secrets/STRIPE_API_KEY", admin)).body.error.code,
      "secret.not_found",
    );
    assert.equal(await readSecret(t.airlock.database.pool, t.airlock.keyring, "STRIPE_API_KEY"), undefined);

    const types = (
      await auditEvents(t.airlock.database.pool, ["secret.created", "secret.replaced", "secret.deleted"])
    ).map((e) => `${e.type} ${e.target_id}`);
    assert.deepEqual(types, [
      "secret.created LEDGER_DB_URL",
      "secret.replaced LEDGER_DB_URL",
      "secret.created STRIPE_API_KEY",
      "secret.deleted STRIPE_API_KEY",
    ]);
  });

  test("names are upper-case snake case; bad names and values get clear refusals", async () => {
    for (const name of ["ledger_db_url", "1ABC", "A__B", "A_", "A-B", "X".repeat(101)]) {
      const refused = await call("PUT", `/api/v1/admin/secrets/${encodeURIComponent(name)}`, admin, {
        value: "v",
      });
      assert.equal(refused.status, 422, name);
      assert.equal(refused.body.error.code, "secret.invalid_name", name);
    }
    const empty = await call("PUT", "/api/v1/admin/secrets/EMPTY", admin, { value: "" });
    assert.equal(empty.body.error.code, "validation.failed");
    const extra = await call("PUT", "/api/v1/admin/secrets/EXTRA", admin, { value: CANARY, shown: true });
    assert.equal(extra.body.error.code, "validation.failed");
    assert.ok(!JSON.stringify(extra.body).includes(CANARY), "a refusal does not echo the value");
  });

  test("only admins: every other caller is refused, and the refusal is audited", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/v1/admin/secrets", undefined],
      ["GET", "/api/v1/admin/secrets/LEDGER_DB_URL", undefined],
      ["PUT", "/api/v1/admin/secrets/LEDGER_DB_URL", { value: "overwritten" }],
      ["DELETE", "/api/v1/admin/secrets/LEDGER_DB_URL", undefined],
    ] as const) {
      const refused = await call(method, path, support, body);
      assert.equal(refused.status, 403, `${method} ${path}`);
      assert.equal(refused.body.error.code, "permission.denied");
    }
    const anonymous = await t.request("/api/v1/admin/secrets");
    assert.equal(anonymous.status, 401);
    const denied = await auditEvents(t.airlock.database.pool, ["permission.denied"], { actorId: support.id });
    assert.equal(denied.length, 4);
    assert.equal(
      await readSecret(t.airlock.database.pool, t.airlock.keyring, "LEDGER_DB_URL"),
      `${CANARY}-v2`,
      "unchanged",
    );
  });

  test("the canary value is in no answer, log line, audit row or database column", async () => {
    const everything = [...answers, t.logText()].join("\n");
    for (const needle of [CANARY, "sk_test_canary_42", "Canary-S3cret"])
      assert.ok(!everything.includes(needle), `${needle} leaked into an answer or a log line`);
    assert.deepEqual(await databaseHits("Canary-S3cret"), []);
    assert.deepEqual(await databaseHits("sk_test_canary_42"), []);
  });
});

describe("encryption at rest", () => {
  test("an envelope moved to another secret, or back to an older version, does not decrypt", async () => {
    const pool = t.airlock.database.pool;
    await call("PUT", "/api/v1/admin/secrets/COPY_TARGET", admin, { value: "target value" });
    const old = await pool.query("SELECT envelope FROM airlock.secrets WHERE name = 'COPY_TARGET'");
    await call("PUT", "/api/v1/admin/secrets/COPY_TARGET", admin, { value: "target value v2" });
    const owner = new pg.Client({ connectionString: t.database.url });
    await owner.connect();
    try {
      await owner.query(
        "UPDATE airlock.secrets SET envelope = (SELECT envelope FROM airlock.secrets WHERE name = 'LEDGER_DB_URL') WHERE name = 'COPY_TARGET'",
      );
      await assert.rejects(
        readSecret(pool, t.airlock.keyring, "COPY_TARGET"),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, "secret.unreadable");
          assert.match(e.message, /COPY_TARGET/);
          assert.ok(!e.message.includes(CANARY));
          return true;
        },
      );
      await owner.query("UPDATE airlock.secrets SET envelope = $1 WHERE name = 'COPY_TARGET'", [
        old.rows[0].envelope,
      ]);
      await assert.rejects(readSecret(pool, t.airlock.keyring, "COPY_TARGET"), { code: "secret.unreadable" });
    } finally {
      await owner.end();
    }
  });

  test("rotation re-wraps every secret under the new key; the old key is then not needed", async () => {
    const pool = t.airlock.database.pool;
    const oldKey = parseMasterKey(TEST_MASTER_KEY);
    const newKey = parseMasterKey(generateMasterKeyText());
    await pool.query("DELETE FROM airlock.secrets WHERE name = 'COPY_TARGET'");
    const during = createKeyring(newKey, [oldKey]);
    // While rotating, a replacement made with the new keyring is already under the new key.
    assert.equal(await readSecret(pool, during, "LEDGER_DB_URL"), `${CANARY}-v2`);
    const report = await rotateMasterKey(pool, during);
    assert.deepEqual(report, { keyId: newKey.id, secrets: 1, runs: 0, unreadable: [] });
    assert.equal(await readSecret(pool, createKeyring(newKey), "LEDGER_DB_URL"), `${CANARY}-v2`);
    await assert.rejects(
      readSecret(pool, createKeyring(oldKey), "LEDGER_DB_URL"),
      (e: Error & { details?: unknown }) => {
        assert.deepEqual((e as { details?: unknown }).details, { name: "LEDGER_DB_URL", keyId: newKey.id });
        return true;
      },
    );
    assert.deepEqual(await rotateMasterKey(pool, during), {
      keyId: newKey.id,
      secrets: 0,
      runs: 0,
      unreadable: [],
    });
    const rotated = await auditEvents(pool, ["master_key.rotated"]);
    assert.equal(rotated.length, 2);
    // A key nobody holds any more: the record is named, not silently skipped.
    const third = createKeyring(parseMasterKey(generateMasterKeyText()));
    assert.deepEqual((await rotateMasterKey(pool, third)).unreadable, ["secret LEDGER_DB_URL"]);
    // Back to the test key for the tests that follow.
    await rotateMasterKey(pool, createKeyring(oldKey, [newKey]));
  });

  test("without a master key, secrets are refused with a clear code", async () => {
    const keyless = await startTestAirlock({
      workspace: demoLikeWorkspace,
      database: t.database,
      env: { AIRLOCK_MASTER_KEY: "" },
    });
    try {
      assert.equal(keyless.airlock.keyring, null);
      const response = await keyless.request("/api/v1/admin/secrets/NO_KEY", {
        method: "PUT",
        headers: { ...admin.headers, "content-type": "application/json" },
        body: JSON.stringify({ value: "x" }),
      });
      assert.equal(response.status, 503);
      assert.equal(
        ((await response.json()) as { error: { code: string } }).error.code,
        "secret.no_master_key",
      );
    } finally {
      await keyless.airlock.close();
    }
  });
});

describe("CLI", () => {
  async function cli(args: string[], stdin?: string) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: { AIRLOCK_URL: server.url, AIRLOCK_TOKEN: admin.token },
      ...(stdin === undefined ? {} : { stdin: [Buffer.from(stdin)] }),
    };
    const code = await main(args, io);
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  test("secrets set reads the value from standard input (the real binary), list shows no value", async () => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "..", "..", "bin", "airlock.js"),
        "secrets",
        "set",
        "CRM_TOKEN",
        "--owner",
        "crm",
      ],
      { env: { PATH: process.env.PATH ?? "", AIRLOCK_URL: server.url, AIRLOCK_TOKEN: admin.token } },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stdin.end("crm-canary-token-99\n");
    const code = await new Promise((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, out);
    assert.equal(out.trim(), "Created CRM_TOKEN (version 1).");
    assert.equal(
      await readSecret(t.airlock.database.pool, t.airlock.keyring, "CRM_TOKEN"),
      "crm-canary-token-99",
    );

    const list = await cli(["secrets", "list"]);
    assert.equal(list.code, 0);
    assert.match(list.out, /^NAME\s+VERSION\s+OWNER/);
    assert.match(list.out, /CRM_TOKEN\s+1\s+crm/);
    assert.ok(!list.out.includes("crm-canary-token-99"));

    assert.equal(
      (await cli(["secrets", "set", "CRM_TOKEN"], "second\n")).out,
      "Replaced CRM_TOKEN (version 2).",
    );
    assert.equal((await cli(["secrets", "delete", "CRM_TOKEN"])).out, "Deleted CRM_TOKEN.");
    const missing = await cli(["secrets", "delete", "CRM_TOKEN"]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^secret\.not_found: /);
    const empty = await cli(["secrets", "set", "CRM_TOKEN"], "");
    assert.equal(empty.code, 2);
    assert.match(empty.err, /read nothing from standard input/);
    assert.equal((await cli(["secrets", "set"])).code, 2, "a value is never taken from an argument");
  });
});
