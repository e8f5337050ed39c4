// Bulk actions with PII-classified parameters, through the real HTTP app on real PostgreSQL: each
// item's parameters are kept masked with the raw ones sealed until the item runs; the handler of
// every item's run gets the real values; the canaries (a holder's name, which no free-text scrub
// recognizes, and an SSN) appear in no API response — preview, sample, batch, item list, failure
// report, approvals, run list and run views — in no audit row, no event and no log line, and in
// no column of the batch's tables; the only answer that shows one is a permitted reveal. An item
// whose sealed parameters were swapped with another's does not run; a failed item's envelope
// follows a master key rotation and is dropped at the end of the retention period.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { itemParams, purgeExpiredItemPii } from "../../src/bulk/bulk-item-values.ts";
import { createKeyring } from "../../src/crypto/keyring.ts";
import { generateMasterKeyText, parseMasterKey } from "../../src/crypto/master-key.ts";
import { rotateMasterKey } from "../../src/runtime/rotate-master-key.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { sealedKey } from "../../src/secrets/sealed-keys.ts";
import { ownerClient } from "../../src/store/database.ts";
import { startTestAirlock, TEST_MASTER_KEY, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

const ACCOUNTS = ["acc_p1", "acc_p2", "acc_p3", "acc_p4", "acc_p5", "acc_p6"];
const NAME = (i: number) => `Zebulon Quarrington${"abcdef"[i]}`;
const SSN = (i: number) => `900-55-100${i}`;
const CANARIES = ACCOUNTS.flatMap((_, i) => [NAME(i), SSN(i), SSN(i).replaceAll("-", "")]);

const sendNotice = defineAction({
  name: "send_notice",
  title: "Send a notice to the account holder",
  tags: ["notices"],
  execution: "inline",
  params: z.object({
    accountId: z.string().regex(/^acc_[a-z0-9]+$/, "is not an account id"),
    holderName: z.string().min(2).meta({ pii: "name" }),
    ssn: z
      .string()
      .regex(/^\d{3}-\d{2}-\d{4}$/, "is not an SSN")
      .meta({ pii: "ssn" }),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  async describe(target, { db }) {
    const { rows } = await db.query("SELECT id FROM public.accounts WHERE id = $1", [target.id]);
    return rows[0] ?? null;
  },
  bulk: {
    maxItems: 20,
    paramsFrom: (row) => ({ holderName: row.holder, accountId: row.id, ssn: row.ssn }),
    approval: {
      when: (b) => (b.count > 2 ? "more than 2 notices" : false),
      reviewers: { groups: ["managers"] },
    },
    concurrency: 2,
  },
  async handler(p, ctx) {
    const { rows } = await ctx.db.query("SELECT 1 FROM public.failing WHERE account_id = $1", [p.accountId]);
    if (rows.length > 0) throw new Error(`the notice to ${p.accountId} bounced`);
    // What the handler was given, to compare with what was selected.
    await ctx.db.query(
      "INSERT INTO public.notices (reference, account_id, holder_name, ssn) VALUES ($1, $2, $3, $4)",
      [ctx.idempotencyKey, p.accountId, p.holderName, p.ssn],
    );
    return { sent: true };
  },
});

const workspace = defineWorkspace({
  name: "bulk_pii",
  actions: [sendNotice],
  roles: {
    operator: { groups: ["operators"] },
    manager: { groups: ["managers"] },
    privacy: { groups: ["privacy"] },
  },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "notices" } },
    { to: "manager", verbs: ["view", "run", "approve", "audit"], on: { tag: "notices" } },
    { to: "privacy", verbs: ["view", "audit", "reveal:name"], on: { tag: "notices" } },
  ],
});

let t: TestAirlock;
let operator: TestUser;
let manager: TestUser;
let privacy: TestUser;
const responses: string[] = [];

before(async () => {
  t = await startTestAirlock({
    workspace,
    prepare: async (url) => {
      const owner = await ownerClient(url);
      try {
        await owner.query(`
          CREATE TABLE public.accounts (id text PRIMARY KEY);
          CREATE TABLE public.failing (account_id text PRIMARY KEY);
          CREATE TABLE public.notices (
            reference text UNIQUE NOT NULL, account_id text NOT NULL, holder_name text NOT NULL, ssn text NOT NULL);
          GRANT SELECT ON public.accounts, public.failing TO airlock_app;
          GRANT SELECT, INSERT ON public.notices TO airlock_app;`);
        await owner.query("INSERT INTO public.accounts SELECT unnest($1::text[])", [ACCOUNTS]);
      } finally {
        await owner.end();
      }
    },
  });
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, { groups: ["operators"], name: "Olive Operator" });
  manager = await createUser(pool, { groups: ["managers"], name: "Max Manager" });
  privacy = await createUser(pool, { groups: ["privacy"], name: "Pia Privacy" });
});
after(async () => {
  await t?.close();
});

async function call(method: "GET" | "POST", path: string, who: TestUser, body?: unknown, headers = {}) {
  const res =
    method === "GET"
      ? await t.request(path, { headers: who.headers })
      : await t.post(path, body ?? {}, { ...who.headers, ...headers });
  const text = await res.text();
  responses.push(`${method} ${path} ${res.status} ${text}`);
  let json: Json = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json, text };
}

function leaks(text: string): string[] {
  return CANARIES.filter((c) => text.includes(c));
}

async function owner<T>(fn: (db: Awaited<ReturnType<typeof ownerClient>>) => Promise<T>): Promise<T> {
  const db = await ownerClient(t.database.url);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

async function until(id: string, ok: (b: Json) => boolean, what: string): Promise<Json> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await call("GET", `/api/v1/bulk/${id}`, operator);
    if (ok(body)) return body;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const row = (i: number) => ({ holder: NAME(i), id: ACCOUNTS[i]!, ssn: SSN(i) });

test("classified item parameters are sealed until each item runs, its run gets the real values, and no response, audit row, event or log shows them", async () => {
  const selection = {
    action: "send_notice",
    rows: [
      row(0),
      row(1),
      row(2),
      row(3),
      // Refused rows whose first cell is a canary: named by their row number only.
      { holder: NAME(4), id: "acc_nobody", ssn: SSN(4) },
      { holder: NAME(5), id: ACCOUNTS[5]!, ssn: "not an ssn" },
    ],
  };
  await owner((db) => db.query("INSERT INTO public.failing VALUES ($1)", [ACCOUNTS[3]]));

  const preview = await call("POST", "/api/v1/bulk/preview", operator, selection);
  assert.equal(preview.status, 200, preview.text);
  assert.equal(preview.body.count, 4);
  assert.deepEqual(
    preview.body.refused.map((r: Json) => [r.row, r.code, r.ref]),
    [
      [5, "unknown_target", "acc_nobody"],
      [6, "invalid", null],
    ],
  );
  // The sample shows the exact parameters, classified ones masked as on a run's page.
  assert.deepEqual(preview.body.sample[0], {
    position: 1,
    params: { accountId: ACCOUNTS[0], holderName: "Z••• Q•••", ssn: "•••-••-1000" },
  });
  assert.match(
    preview.body.itemSetHash,
    /^k1:[0-9a-f]{64}$/,
    "a keyed hash: a plain one would give the SSNs back",
  );

  const started = await call(
    "POST",
    "/api/v1/bulk/start",
    operator,
    { ...selection, itemSetHash: preview.body.itemSetHash, reason: "yearly privacy notice" },
    { "idempotency-key": "notices-2026" },
  );
  assert.equal(started.status, 202, started.text);
  const batch = started.body.batch;
  assert.equal(batch.status, "pending_approval");

  // At rest, waiting for approval: masked in `params`, the raw values only inside the envelope.
  const stored = await owner(
    async (db) =>
      (
        await db.query<{ params: Json; sealed: boolean; row: string }>(
          `SELECT params, params_sealed IS NOT NULL AS sealed, i::text AS row
             FROM airlock.bulk_items i WHERE batch_id = $1 ORDER BY position`,
          [batch.id],
        )
      ).rows,
  );
  assert.deepEqual(
    stored.map((s) => [s.params.holderName, s.params.ssn, s.sealed]),
    [
      ["Z••• Q•••", "•••-••-1000", true],
      ["Z••• Q•••", "•••-••-1001", true],
      ["Z••• Q•••", "•••-••-1002", true],
      ["Z••• Q•••", "•••-••-1003", true],
    ],
  );
  assert.deepEqual(leaks(stored.map((s) => s.row).join("\n")), []);

  const inbox = await call("GET", "/api/v1/approvals", manager);
  assert.ok(
    inbox.body.approvals.some((i: Json) => i.batchId === batch.id),
    inbox.text,
  );
  const approved = await call("POST", `/api/v1/bulk/${batch.id}/approve`, manager, { reason: "checked" });
  assert.equal(approved.status, 200, approved.text);
  const done = await until(batch.id, (b) => b.status === "failed", "the batch to end with its failed item");
  assert.deepEqual(done.counts, { pending: 0, succeeded: 3, failed: 1, skipped: 0 });

  // Each item's run got the real values of its own row, once.
  const sent = await owner(
    async (db) =>
      (
        await db.query<{ account_id: string; holder_name: string; ssn: string }>(
          "SELECT account_id, holder_name, ssn FROM public.notices ORDER BY account_id",
        )
      ).rows,
  );
  assert.deepEqual(
    sent.map((s) => [s.account_id, s.holder_name, s.ssn]),
    [0, 1, 2].map((i) => [ACCOUNTS[i], NAME(i), SSN(i)]),
  );
  // Succeeded items drop their envelope (the run keeps its own); the failed one keeps it to retry.
  const kept = await owner(
    async (db) =>
      (
        await db.query<{ position: number; sealed: boolean }>(
          "SELECT position, params_sealed IS NOT NULL AS sealed FROM airlock.bulk_items WHERE batch_id = $1 ORDER BY position",
          [batch.id],
        )
      ).rows,
  );
  assert.deepEqual(
    kept.map((k) => k.sealed),
    [false, false, false, true],
  );

  // Everything a person reads of the batch and its runs.
  const items = await call("GET", `/api/v1/bulk/${batch.id}/items`, operator);
  assert.equal(items.status, 200, items.text);
  const report = await call("GET", `/api/v1/bulk/${batch.id}/report.csv`, operator);
  assert.equal(report.status, 200);
  assert.match(report.text, /•••-••-1003/);
  const runIds = items.body.items.map((i: Json) => i.runId).filter(Boolean);
  assert.equal(runIds.length, 4);
  for (const id of runIds) {
    const run = await call("GET", `/api/v1/runs/${id}`, manager);
    assert.equal(run.status, 200, run.text);
    assert.equal(run.body.params.holderName, "Z••• Q•••");
  }
  // The run history filtered by the batch: exactly its items' runs (the retry's come later).
  const ofBatch = await call("GET", `/api/v1/runs?batch=${batch.id}`, manager);
  assert.equal(ofBatch.status, 200, ofBatch.text);
  assert.deepEqual(ofBatch.body.runs.map((r: Json) => r.id).sort(), [...runIds].sort());
  assert.ok(ofBatch.body.runs.every((r: Json) => r.params.ssn.startsWith("•••-••-")));
  const badBatch = await call("GET", "/api/v1/runs?batch=blk_%25", manager);
  assert.equal(badBatch.status, 400);
  assert.equal(badBatch.body.error.code, "request.invalid_query");
  for (const path of [
    "/api/v1/approvals?status=decided",
    "/api/v1/audit?action=send_notice&limit=200",
    "/api/v1/audit/export?action=send_notice&format=csv",
  ]) {
    const read = await call("GET", path, manager);
    assert.equal(read.status, 200, `${path}: ${read.text}`);
  }

  // Retry the failed item: its sealed parameters are opened and sealed again for the new batch.
  await owner((db) => db.query("DELETE FROM public.failing"));
  const retried = await call("POST", `/api/v1/bulk/${batch.id}/retry`, operator, {});
  assert.equal(retried.status, 202, retried.text);
  await until(retried.body.id, (b) => b.status === "succeeded", "the retry");
  const resent = await owner(
    async (db) =>
      (await db.query("SELECT holder_name, ssn FROM public.notices WHERE account_id = $1", [ACCOUNTS[3]]))
        .rows,
  );
  assert.deepEqual(resent, [{ holder_name: NAME(3), ssn: SSN(3) }]);
  const ofRetry = await call("GET", `/api/v1/runs?batch=${retried.body.id}`, operator);
  assert.equal(ofRetry.body.runs.length, 1);
  assert.ok(!runIds.includes(ofRetry.body.runs[0].id));

  // The product's one way to see a value: a reveal by a holder of reveal:name, with a reason.
  const reveal = await call("POST", `/api/v1/runs/${runIds[0]}/reveal`, privacy, {
    path: ["params", "holderName"],
    reason: "subject access request 77",
  });
  assert.equal(reveal.status, 200, reveal.text);
  assert.equal(reveal.body.value, NAME(0));
  responses.pop();

  assert.deepEqual(leaks(responses.join("\n")), [], "a canary in an API response");
  assert.deepEqual(leaks(t.logText()), [], "a canary in a log line");
  const rows = await owner(async (db) => ({
    audit: (await db.query("SELECT a::text AS t FROM airlock.audit_events a")).rows.map((r) => r.t),
    events: (await db.query("SELECT e::text AS t FROM airlock.event_outbox e")).rows.map((r) => r.t),
    batches: (await db.query("SELECT b::text AS t FROM airlock.bulk_batches b")).rows.map((r) => r.t),
    items: (await db.query("SELECT i::text AS t FROM airlock.bulk_items i")).rows.map((r) => r.t),
    approvals: (await db.query("SELECT a::text AS t FROM airlock.approval_requests a")).rows.map((r) => r.t),
    runs: (await db.query("SELECT r::text AS t FROM airlock.runs r")).rows.map((r) => r.t),
  }));
  for (const [table, texts] of Object.entries(rows))
    assert.deepEqual(leaks(texts.join("\n")), [], `a canary in ${table}`);
});

test("an item whose sealed parameters were swapped with another item's does not run", async () => {
  await owner((db) => db.query("INSERT INTO public.accounts VALUES ('acc_q1')"));
  const selection = { action: "send_notice", rows: [row(4), row(5), { ...row(0), id: "acc_q1" }] };
  const preview = await call("POST", "/api/v1/bulk/preview", operator, selection);
  assert.equal(preview.status, 200, preview.text);
  const started = await call("POST", "/api/v1/bulk/start", operator, {
    ...selection,
    itemSetHash: preview.body.itemSetHash,
  });
  assert.equal(started.status, 202, started.text);
  const batch = started.body.batch;
  assert.equal(batch.status, "pending_approval");
  // Someone with the database swaps the envelopes of items 1 and 2.
  await owner((db) =>
    db.query(
      `UPDATE airlock.bulk_items i SET params_sealed = o.params_sealed
         FROM airlock.bulk_items o
        WHERE i.batch_id = $1 AND o.batch_id = $1 AND i.position IN (1, 2) AND o.position = 3 - i.position`,
      [batch.id],
    ),
  );
  const approved = await call("POST", `/api/v1/bulk/${batch.id}/approve`, manager, { reason: "fine" });
  assert.equal(approved.status, 200, approved.text);
  await until(batch.id, (b) => b.counts.pending === 0, "the batch to end");
  const items = await call("GET", `/api/v1/bulk/${batch.id}/items`, operator);
  assert.deepEqual(
    items.body.items.map((i: Json) => [i.position, i.status, i.errorCode]),
    [
      [1, "failed", "pii.unreadable"],
      [2, "failed", "pii.unreadable"],
      [3, "succeeded", null],
    ],
  );
  const sent = await owner(
    async (db) =>
      (
        await db.query("SELECT account_id FROM public.notices WHERE account_id = ANY($1)", [
          [ACCOUNTS[4], ACCOUNTS[5], "acc_q1"],
        ])
      ).rows,
  );
  assert.deepEqual(sent, [{ account_id: "acc_q1" }]);
});

test("a failed item's envelope is re-wrapped by a master key rotation and dropped at retention; a retry then is refused", async () => {
  const pool = t.airlock.database.pool;
  const action = t.airlock.workspace.actions.get("send_notice")!;
  await owner((db) =>
    db.query("INSERT INTO public.accounts VALUES ('acc_r1'); INSERT INTO public.failing VALUES ('acc_r1')"),
  );
  const selection = { action: "send_notice", rows: [{ ...row(2), id: "acc_r1" }] };
  const preview = await call("POST", "/api/v1/bulk/preview", operator, selection);
  const started = await call("POST", "/api/v1/bulk/start", operator, {
    ...selection,
    itemSetHash: preview.body.itemSetHash,
  });
  assert.equal(started.status, 202, started.text);
  const batch = await until(started.body.batch.id, (b) => b.status === "failed", "the one item to fail");
  const item = async () =>
    (await pool.query("SELECT * FROM airlock.bulk_items WHERE batch_id = $1", [batch.id])).rows[0];
  const oldKey = parseMasterKey(TEST_MASTER_KEY);
  const newKey = parseMasterKey(generateMasterKeyText());
  const hashKey = await sealedKey(pool, t.airlock.keyring!, "params_hash");

  const report = await rotateMasterKey(pool, createKeyring(newKey, [oldKey]));
  // The envelopes swapped by the test before cannot be opened under their new positions.
  assert.ok(!report.unreadable.includes(`bulk item ${batch.id}:1`), report.unreadable.join(", "));
  const rotated = await item();
  assert.deepEqual(itemParams(action, { keyring: createKeyring(newKey), paramsHashKey: hashKey }, rotated), {
    accountId: "acc_r1",
    holderName: NAME(2),
    ssn: SSN(2),
  });
  assert.throws(
    () => itemParams(action, { keyring: createKeyring(oldKey), paramsHashKey: hashKey }, rotated),
    {
      code: "pii.unreadable",
    },
  );
  await rotateMasterKey(pool, createKeyring(oldKey, [newKey]));

  await owner((db) =>
    db.query("UPDATE airlock.bulk_batches SET finished_at = now() - interval '31 days' WHERE id = $1", [
      batch.id,
    ]),
  );
  assert.ok((await purgeExpiredItemPii(pool, 30)) >= 1);
  assert.equal((await item()).params_sealed, null);
  const retry = await call("POST", `/api/v1/bulk/${batch.id}/retry`, operator, {});
  assert.equal(retry.status, 410, retry.text);
  assert.equal(retry.body.error.code, "pii.not_available");
});
