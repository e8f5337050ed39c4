// PII at rest: a canary card number, email and secret value go through the real app (inline run,
// queued run, run held for approval and executed, reveal, rotation); afterwards no table of the
// database holds them in any text, json or bytea column, nor (on the embedded server) any file of
// the data directory after a CHECKPOINT. A holder of `reveal:` still gets the value; others never.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { createKeyring } from "../../src/crypto/keyring.ts";
import { generateMasterKeyText, parseMasterKey } from "../../src/crypto/master-key.ts";
import { luhn, maskFields } from "../../src/pii/mask.ts";
import { MASKERS, maskValue } from "../../src/pii/pii-classes.ts";
import { sealRawRuns } from "../../src/runs/run-value-sealing.ts";
import { rawRunValue } from "../../src/runs/run-values.ts";
import { rotateMasterKey } from "../../src/runtime/rotate-master-key.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { waitForRun } from "../approval/approval-support.ts";
import { startTestAirlock, TEST_MASTER_KEY, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

function canaryCard(): string {
  const body = `4000${Array.from({ length: 11 }, () => randomInt(10)).join("")}`;
  for (let check = 0; check < 10; check++) if (luhn(`${body}${check}`)) return `${body}${check}`;
  throw new Error("unreachable");
}
const tag = Array.from({ length: 8 }, () => randomInt(10)).join("");
const CARD = canaryCard();
const EMAIL = `canary.${tag}@example.org`;
const SECRET = `sk_live_canary_${tag}`;
/** Unclassified, so stored as is: the positive control that the searches see the data. */
const MARKER = `pay_marker_${tag}`;

const workspace = defineWorkspace({
  name: "at_rest",
  actions: [
    defineAction({
      name: "payment_lookup",
      title: "Payment lookup",
      execution: "inline",
      params: z.object({ paymentId: z.string().min(3) }),
      output: z.object({
        paymentId: z.string(),
        card: z.string().meta({ pii: "card_number" }),
        email: z.string().meta({ pii: "email" }),
      }),
      async handler(p) {
        return { paymentId: p.paymentId, card: CARD, email: EMAIL };
      },
    }),
    defineAction({
      name: "card_check",
      title: "Check a card (queued; approval above $1)",
      execution: "queued",
      params: z.object({
        paymentId: z.string().min(3),
        card: z.string().meta({ pii: "card_number" }),
        amountCents: z.number().int(),
      }),
      approval: { when: (p) => p.amountCents > 100, reviewers: { groups: ["managers"] } },
      // What the handler saw: only a raw card number passes these checks.
      async handler(p) {
        return { digits: p.card.length, luhnValid: luhn(p.card), last4: p.card.slice(-4) };
      },
    }),
  ],
  roles: {
    support: { groups: ["support"] },
    fraud: { groups: ["fraud"] },
    manager: { groups: ["managers"] },
    admin: { groups: ["admins"] },
  },
  grants: [
    { to: "support", verbs: ["view", "run"], on: "*" },
    { to: "fraud", verbs: ["view", "run", "reveal:card_number", "reveal:email"], on: "*" },
    { to: "manager", verbs: ["view", "approve"], on: "*" },
    { to: "admin", verbs: ["admin"], on: "*" },
  ],
});

let t: TestAirlock;
let support: TestUser;
let fraud: TestUser;
let manager: TestUser;
let admin: TestUser;
const answers: string[] = [];
/** Answers that may hold the canary: reveals granted to the fraud role. */
const revealed: string[] = [];

before(async () => {
  t = await startTestAirlock({ workspace });
  const pool = t.airlock.database.pool;
  support = await createUser(pool, { groups: ["support"] });
  fraud = await createUser(pool, { groups: ["fraud"] });
  manager = await createUser(pool, { groups: ["managers"] });
  admin = await createUser(pool, { groups: ["admins"] });
});
after(async () => {
  await t.close();
});

async function call(user: TestUser, method: string, path: string, body?: unknown, keep = answers) {
  const response = await t.request(path, {
    method,
    headers: { ...user.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  keep.push(text);
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Columns of every table (all schemas but the catalogs) whose text holds `needle`. */
async function tableHits(needle: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
  try {
    const columns = await client.query<{ s: string; t: string; c: string; type: string }>(
      `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c, c.data_type AS type
         FROM information_schema.columns c
         JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE tb.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')`,
    );
    const hits: string[] = [];
    for (const { s, t: table, c, type } of columns.rows) {
      const column = `"${c}"`;
      const where =
        type === "bytea"
          ? `position(convert_to($1, 'UTF8') in ${column}) > 0`
          : `position($1 in ${column}::text) > 0`;
      const found = await client.query(`SELECT count(*)::int AS n FROM "${s}"."${table}" WHERE ${where}`, [
        needle,
      ]);
      if (found.rows[0].n > 0) hits.push(`${s}.${table}.${c}`);
    }
    return hits;
  } finally {
    await client.end();
  }
}

test("masking a mask changes nothing, for every class (rows keep masks; views mask again)", () => {
  const samples = [
    CARD,
    "4000 0566 5566 5556",
    "12345",
    EMAIL,
    "900-12-3456",
    "+44 20 7946 0958",
    "Ada Lovelace",
  ];
  for (const piiClass of [...Object.keys(MASKERS), "unknown_class"]) {
    for (const sample of [...samples, "", "x", 42]) {
      const once = maskValue(piiClass, sample);
      assert.equal(maskValue(piiClass, once), once, `${piiClass}: ${String(sample)}`);
    }
  }
  const fields = [{ path: ["card"], piiClass: "card_number" }];
  const masked = maskFields({ card: CARD }, fields);
  assert.deepEqual(maskFields(masked, fields), masked);
});

test("an inline run's classified result is stored masked and sealed; only a granted reveal opens it", async () => {
  const own = await call(support, "POST", "/api/v1/actions/payment_lookup/runs", {
    params: { paymentId: MARKER },
  });
  assert.equal(own.status, 200);
  assert.equal(own.body.result.card, `${CARD.slice(0, 6)}••••••${CARD.slice(-4)}`);
  const row = (await t.airlock.database.pool.query("SELECT * FROM airlock.runs WHERE id = $1", [own.body.id]))
    .rows[0];
  assert.equal(row.result.card, own.body.result.card, "the row holds the mask");
  assert.ok(row.result_sealed instanceof Buffer && row.params_sealed === null);
  assert.equal(row.values_masked, true);

  const denied = await call(support, "POST", `/api/v1/runs/${own.body.id}/reveal`, {
    path: ["result", "card"],
    reason: "I would like to see it",
  });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, "pii.reveal_denied");

  const mine = await call(fraud, "POST", "/api/v1/actions/payment_lookup/runs", {
    params: { paymentId: MARKER },
  });
  for (const [path, value] of [
    [["result", "card"], CARD],
    [["result", "email"], EMAIL],
  ] as const) {
    const shown = await call(
      fraud,
      "POST",
      `/api/v1/runs/${mine.body.id}/reveal`,
      { path, reason: "Chargeback dispute 77" },
      revealed,
    );
    assert.equal(shown.status, 200);
    assert.equal(shown.body.value, value);
  }
  const view = await call(fraud, "GET", `/api/v1/runs/${mine.body.id}`);
  assert.equal(view.body.result.email, `c•••@example.org`, "a run's view stays masked after a reveal");
});

test("queued and approved runs execute with the raw parameters, decrypted for the handler alone", async () => {
  const queued = await call(support, "POST", "/api/v1/actions/card_check/runs", {
    params: { paymentId: MARKER, card: CARD, amountCents: 50 },
  });
  assert.ok([200, 202].includes(queued.status), JSON.stringify(queued.body));
  const done = await waitForRun(t, queued.body.id, ["succeeded", "failed"]);
  assert.equal(done.status, "succeeded", JSON.stringify(done.error_message));
  assert.deepEqual(done.result, { digits: 16, luhnValid: true, last4: CARD.slice(-4) });
  assert.equal(done.params.card, `${CARD.slice(0, 6)}••••••${CARD.slice(-4)}`);

  const held = await call(support, "POST", "/api/v1/actions/card_check/runs", {
    params: { paymentId: MARKER, card: CARD, amountCents: 5_000 },
  });
  assert.equal(held.status, 202);
  assert.equal(held.body.status, "pending_approval");
  const inbox = await call(manager, "GET", "/api/v1/approvals?status=pending");
  assert.equal(inbox.status, 200);
  const approved = await call(manager, "POST", `/api/v1/approvals/${held.body.approvalRequestId}/approve`, {
    reason: "Looks right",
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const executed = await waitForRun(t, held.body.id, ["succeeded", "failed"]);
  assert.equal(executed.status, "succeeded", "the approved hash matches the decrypted parameters");
  assert.deepEqual(executed.result, { digits: 16, luhnValid: true, last4: CARD.slice(-4) });
});

test("a secret and a run go through rotation: re-wrapped under the new key, still revealable", async () => {
  const pool = t.airlock.database.pool;
  const put = await call(admin, "PUT", "/api/v1/admin/secrets/PROVIDER_API_KEY", { value: SECRET });
  assert.equal(put.status, 201);
  const oldKey = parseMasterKey(TEST_MASTER_KEY);
  const newKey = parseMasterKey(generateMasterKeyText());
  const report = await rotateMasterKey(pool, createKeyring(newKey, [oldKey]));
  assert.equal(report.unreadable.length, 0);
  assert.equal(report.secrets, 1);
  assert.ok(report.runs >= 4, `runs re-wrapped: ${report.runs}`);
  const row = (
    await pool.query("SELECT * FROM airlock.runs WHERE action = 'payment_lookup' AND actor_id = $1", [
      fraud.id,
    ])
  ).rows[0];
  assert.equal((rawRunValue(createKeyring(newKey), row, "result") as { card: string }).card, CARD);
  assert.throws(() => rawRunValue(createKeyring(oldKey), row, "result"), { code: "pii.unreadable" });
  // Back under the key this instance holds.
  await rotateMasterKey(pool, createKeyring(oldKey, [newKey]));
  const shown = await call(
    fraud,
    "POST",
    `/api/v1/runs/${row.id}/reveal`,
    { path: ["result", "card"], reason: "After rotation" },
    revealed,
  );
  assert.equal(shown.body.value, CARD);
});

test("a row written raw before encryption at rest is sealed by the maintenance sweep", async () => {
  const pool = t.airlock.database.pool;
  const legacyCard = canaryCard();
  const run = await call(support, "POST", "/api/v1/actions/payment_lookup/runs", {
    params: { paymentId: "legacy" },
  });
  // As an older version wrote it: raw values, nothing sealed.
  const owner = new pg.Client({ connectionString: t.database.url });
  await owner.connect();
  try {
    await owner.query(
      `UPDATE airlock.runs SET result = json_build_object('paymentId', 'legacy', 'card', $2::text, 'email', 'x@y.org'),
              result_sealed = NULL, values_masked = false WHERE id = $1`,
      [run.body.id, legacyCard],
    );
  } finally {
    await owner.end();
  }
  assert.deepEqual(await tableHits(legacyCard), ["airlock.runs.result"]);
  assert.ok((await sealRawRuns(pool, t.airlock.workspace, t.airlock.keyring!)) >= 1);
  assert.deepEqual(await tableHits(legacyCard), []);
  const mine = await call(fraud, "GET", `/api/v1/runs/${run.body.id}`);
  assert.equal(mine.status, 404, "fraud cannot see support's run");
  const row = (await pool.query("SELECT * FROM airlock.runs WHERE id = $1", [run.body.id])).rows[0];
  assert.equal((rawRunValue(t.airlock.keyring, row, "result") as { card: string }).card, legacyCard);
});

test("no table holds the canaries; every answer but a granted reveal and every log line is free of them", async () => {
  for (const needle of [CARD, EMAIL, SECRET, CARD.slice(6, 12) + CARD.slice(-4)])
    assert.deepEqual(await tableHits(needle), [], needle);
  assert.ok(
    (await tableHits(MARKER)).includes("airlock.runs.params"),
    "positive control: the search sees rows",
  );
  const text = [...answers, t.logText()].join("\n");
  for (const needle of [CARD, EMAIL, SECRET]) assert.ok(!text.includes(needle), `${needle} leaked`);
  assert.ok(revealed.join("\n").includes(CARD), "the granted reveals did return the card");
});

test("embedded PostgreSQL: after a CHECKPOINT, no file of this database or the WAL holds the canaries", {
  skip:
    process.env.AIRLOCK_TEST_EMBEDDED !== "1" &&
    "runs on the embedded server only (its files are ours to read)",
}, async () => {
  const client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
  let dataDir: string;
  let oid: string;
  try {
    await client.query("CHECKPOINT");
    dataDir = (await client.query("SHOW data_directory")).rows[0].data_directory;
    oid = String(
      (await client.query("SELECT oid FROM pg_database WHERE datname = current_database()")).rows[0].oid,
    );
  } finally {
    await client.end();
  }
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
  const needles = [CARD, EMAIL, SECRET, MARKER].map((n) => Buffer.from(n));
  const found = new Map<string, number>();
  for (const file of [...files(join(dataDir, "base", oid)), ...files(join(dataDir, "pg_wal"))]) {
    const bytes = readFileSync(file);
    for (const needle of needles)
      if (bytes.includes(needle)) found.set(needle.toString(), (found.get(needle.toString()) ?? 0) + 1);
  }
  assert.ok((found.get(MARKER) ?? 0) > 0, "positive control: the marker stored as is is found in the files");
  assert.deepEqual(
    [CARD, EMAIL, SECRET].filter((n) => found.has(n)),
    [],
  );
});
