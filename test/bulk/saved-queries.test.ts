// Saved queries through the real HTTP app on real PostgreSQL: saving a read-only SQL action with
// its parameters (classified ones masked at rest and sealed), listing and deleting one's own
// (audited, the name scrubbed of PII), refusing anything but a read-only SQL action, and a bulk
// batch whose selection is a saved query: the query re-run at preview and at start, as the caller,
// through the control layer (a run of its own; no `run` grant, no rows), its rows the items; and
// in a browser, "Save as query" under a result and a batch previewed from it on /bulk/new.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { defineResource, defineSqlAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";
import { chargeFee, flakyFee, listAccounts, prepareBulkTables } from "./bulk-fixture.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

const CONTACT = "ops.lead@bank.test";

// Accounts by prefix; the optional contact must be the real one for any row to come back, so rows
// prove the run had the raw (unmasked) parameter.
const accountsLike = defineSqlAction({
  name: "accounts_like",
  title: "Accounts whose id starts with",
  tags: ["fees"],
  resource: "ledger",
  params: z.object({
    prefix: z.string().max(20),
    contact: z.string().meta({ pii: "email" }).optional(),
  }),
  sql: `SELECT id FROM public.accounts
         WHERE id LIKE $1 || '%' AND ($2::text IS NULL OR $2 = '${CONTACT}') ORDER BY id`,
  values: (p) => [p.prefix, p.contact ?? null],
  row: z.object({ id: z.string() }),
  maxRows: 10,
});

// No classified parameter: the web offers "Save as query" under its result.
const accountsByPrefix = defineSqlAction({
  name: "accounts_by_prefix",
  title: "Accounts by prefix",
  tags: ["fees"],
  resource: "ledger",
  params: z.object({ prefix: z.string().max(20) }),
  sql: "SELECT id FROM public.accounts WHERE id LIKE $1 || '%' ORDER BY id",
  values: (p) => [p.prefix],
  row: z.object({ id: z.string() }),
  maxRows: 20,
});

// Every run of it waits for a manager: a saved query of it gives no rows.
const accountsHeld = defineSqlAction({
  name: "accounts_held",
  title: "Accounts (needs a manager)",
  tags: ["fees"],
  resource: "ledger",
  params: z.object({}),
  sql: "SELECT id FROM public.accounts ORDER BY id",
  row: z.object({ id: z.string() }),
  approval: { reviewers: { groups: ["managers"] } },
});

const accountsHidden = defineSqlAction({
  name: "accounts_for_auditors",
  title: "Accounts (auditors may view, not run)",
  tags: ["audit"],
  resource: "ledger",
  params: z.object({}),
  sql: "SELECT id FROM public.accounts ORDER BY id",
  row: z.object({ id: z.string() }),
});

let t: TestAirlock;
let operator: TestUser;
let other: TestUser;
let auditor: TestUser;
let server: Listening;
let b: TestBrowser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  const database = await createTestDatabase();
  t = await startTestAirlock({
    database,
    workspace: defineWorkspace({
      name: "saved",
      actions: [
        chargeFee,
        flakyFee,
        listAccounts,
        accountsLike,
        accountsByPrefix,
        accountsHeld,
        accountsHidden,
      ],
      resources: [defineResource({ name: "ledger", type: "postgres", url: { secret: "LEDGER_URL" } })],
      roles: {
        operator: { groups: ["operators"] },
        manager: { groups: ["managers"] },
        auditor: { groups: ["auditors"] },
      },
      grants: [
        { to: "operator", verbs: ["view", "run"], on: { tag: "fees" } },
        { to: "manager", verbs: ["view", "run", "approve"], on: { tag: "fees" } },
        { to: "auditor", verbs: ["view", "run"], on: { tag: "fees" } },
        { to: "auditor", verbs: ["view"], on: { tag: "audit" } },
      ],
    }),
    prepare: prepareBulkTables,
    secrets: { read: async (name) => (name === "LEDGER_URL" ? database.url : null) },
    internalResources: ["ledger"],
  });
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, {
    email: "olive@fintech.test",
    groups: ["operators"],
    name: "Olive Operator",
    passwordHash: await hashPassword(PASSWORD),
  });
  other = await createUser(pool, { groups: ["operators"], name: "Otto Other" });
  auditor = await createUser(pool, { groups: ["auditors"], name: "Ada Auditor" });
});

after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
  await t?.database.drop();
});

async function save(who: TestUser, body: Json): Promise<{ status: number; body: Json }> {
  const res = await t.post("/api/v1/saved-queries", body, who.headers);
  return { status: res.status, body: await res.json() };
}

async function preview(who: TestUser, body: Json): Promise<{ status: number; body: Json }> {
  const res = await t.post("/api/v1/bulk/preview", body, who.headers);
  return { status: res.status, body: await res.json() };
}

test("a saved query keeps its classified parameters masked and sealed, its name scrubbed, and is audited", async () => {
  const saved = await save(operator, {
    name: `Fees 00 for card 4111 1111 1111 1111`,
    action: "accounts_like",
    params: { prefix: "acc_00", contact: CONTACT },
  });
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
  assert.doesNotMatch(saved.body.name, /4111 1111 1111 1111/);
  assert.notEqual(saved.body.params.contact, CONTACT, "the classified parameter is masked in the answer");
  assert.equal(saved.body.params.prefix, "acc_00");
  const row = (
    await t.airlock.database.pool.query(
      "SELECT name, params, params_sealed FROM airlock.saved_queries WHERE id = $1",
      [saved.body.id],
    )
  ).rows[0];
  assert.doesNotMatch(JSON.stringify(row.params) + row.name, /ops\.lead@bank\.test|4111 1111 1111 1111/);
  assert.ok(row.params_sealed, "the raw parameters are sealed beside the masked ones");
  assert.doesNotMatch(Buffer.from(row.params_sealed).toString("latin1"), /ops\.lead/);
  const audit = await t.airlock.database.pool.query(
    "SELECT actor_id, data FROM airlock.audit_events WHERE type = 'saved_query.created' AND target_id = $1",
    [saved.body.id],
  );
  assert.equal(audit.rows.length, 1);
  assert.equal(audit.rows[0].actor_id, operator.id);

  const again = await save(operator, {
    name: saved.body.name,
    action: "accounts_like",
    params: { prefix: "x" },
  });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, "query.name_taken");
  // The same name is another person's to use.
  assert.equal(
    (await save(other, { name: saved.body.name, action: "accounts_like", params: { prefix: "x" } })).status,
    201,
  );
});

test("only a read-only SQL action can be saved, with valid parameters", async () => {
  const notSql = await save(operator, { name: "fees", action: "charge_fee", params: {} });
  assert.equal(notSql.status, 422);
  assert.equal(notSql.body.error.code, "query.not_read_only");
  assert.ok(notSql.body.error.requestId);
  const bad = await save(operator, { name: "bad", action: "accounts_like", params: { prefix: 42 } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, "validation.failed");
  const unknown = await save(operator, { name: "none", action: "no_such_action", params: {} });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, "action.not_found");
  const notRunnable = await save(auditor, { name: "hidden", action: "accounts_for_auditors", params: {} });
  assert.equal(notRunnable.status, 403);
  assert.equal(notRunnable.body.error.code, "permission.denied");
  const n = (
    await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.saved_queries WHERE name IN ('fees', 'bad', 'none', 'hidden')",
    )
  ).rows[0].n;
  assert.equal(n, 0, "nothing refused was stored");
});

test("a batch starts from a saved query: the query runs as the caller at preview and at start, its rows are the items", async () => {
  const saved = await save(operator, {
    name: "accounts 00x",
    action: "accounts_like",
    params: { prefix: "acc_00", contact: CONTACT },
  });
  assert.equal(saved.status, 201);
  const runsBefore = (
    await t.airlock.database.pool.query(
      "SELECT count(*)::int AS n FROM airlock.runs WHERE action = 'accounts_like' AND actor_id = $1",
      [operator.id],
    )
  ).rows[0].n;
  const shown = await preview(operator, { action: "flaky_fee", savedQuery: saved.body.id });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  // acc_001 … acc_009: the rows the raw contact let through.
  assert.equal(shown.body.count, 9);
  assert.deepEqual(
    shown.body.sample.map((s: Json) => s.params.accountId),
    ["acc_001", "acc_002", "acc_003", "acc_004", "acc_005"],
  );
  const res = await fetchStart(operator, {
    action: "flaky_fee",
    savedQuery: saved.body.id,
    itemSetHash: shown.body.itemSetHash,
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.batch.itemCount, 9);
  const runs = await t.airlock.database.pool.query(
    "SELECT status, channel FROM airlock.runs WHERE action = 'accounts_like' AND actor_id = $1",
    [operator.id],
  );
  assert.equal(runs.rows.length - runsBefore, 2, "the query ran once for the preview and once for the start");
  assert.ok(runs.rows.every((r: Json) => r.status === "succeeded"));

  const both = await preview(operator, {
    action: "flaky_fee",
    savedQuery: saved.body.id,
    rows: [{ id: "acc_001" }],
  });
  assert.equal(both.status, 400);
  assert.equal(both.body.error.code, "bulk.selection_invalid");
});

async function fetchStart(who: TestUser, body: Json): Promise<{ status: number; body: Json }> {
  const res = await t.post("/api/v1/bulk/start", body, who.headers);
  return { status: res.status, body: await res.json() };
}

test("a saved query is its owner's alone: listed, used and deleted only by them", async () => {
  const saved = await save(operator, {
    name: "mine only",
    action: "accounts_like",
    params: { prefix: "acc_01" },
  });
  const theirs = await (await t.request("/api/v1/saved-queries", { headers: other.headers })).json();
  assert.ok(!theirs.savedQueries.some((q: Json) => q.id === saved.body.id));
  const mine = await (await t.request("/api/v1/saved-queries", { headers: operator.headers })).json();
  assert.ok(mine.savedQueries.some((q: Json) => q.id === saved.body.id));

  const used = await preview(other, { action: "flaky_fee", savedQuery: saved.body.id });
  assert.equal(used.status, 404);
  assert.equal(used.body.error.code, "query.not_found");
  const removed = await t.request(`/api/v1/saved-queries/${saved.body.id}`, {
    method: "DELETE",
    headers: other.headers,
  });
  assert.equal(removed.status, 404);

  const gone = await t.request(`/api/v1/saved-queries/${saved.body.id}`, {
    method: "DELETE",
    headers: operator.headers,
  });
  assert.equal(gone.status, 204);
  const audit = await t.airlock.database.pool.query(
    "SELECT actor_id FROM airlock.audit_events WHERE type = 'saved_query.deleted' AND target_id = $1",
    [saved.body.id],
  );
  assert.deepEqual(
    audit.rows.map((r: Json) => r.actor_id),
    [operator.id],
  );
  const after = await preview(operator, { action: "flaky_fee", savedQuery: saved.body.id });
  assert.equal(after.body.error.code, "query.not_found");
});

test("a saved query gives no rows when its action is no longer a read-only SQL action, its owner may no longer run it, its run waits for approval, or more rows matched than it returns", async () => {
  const pool = t.airlock.database.pool;
  // As if the workspace changed since it was saved: its action is no longer a read-only SQL action.
  await pool.query(
    "INSERT INTO airlock.saved_queries (id, owner_id, name, action, params) VALUES ('sq_changed', $1, 'changed', 'list_accounts', '{}')",
    [operator.id],
  );
  const changed = await preview(operator, { action: "flaky_fee", savedQuery: "sq_changed" });
  assert.equal(changed.status, 422);
  assert.equal(changed.body.error.code, "query.not_read_only");
  // Its owner may view the action but not run it (a grant taken away since): the control layer refuses.
  await pool.query(
    "INSERT INTO airlock.saved_queries (id, owner_id, name, action, params) VALUES ('sq_norun', $1, 'no run', 'accounts_for_auditors', '{}')",
    [auditor.id],
  );
  const refused = await preview(auditor, { action: "flaky_fee", savedQuery: "sq_norun" });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, "permission.denied");
  const ran = (
    await pool.query("SELECT count(*)::int AS n FROM airlock.runs WHERE action = 'accounts_for_auditors'")
  ).rows[0].n;
  assert.equal(ran, 0, "nothing ran");
  // Its run waits for a manager: no rows until then, and the answer names the run.
  const held = await save(operator, { name: "held", action: "accounts_held", params: {} });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const waiting = await preview(operator, { action: "flaky_fee", savedQuery: held.body.id });
  assert.equal(waiting.status, 422);
  assert.equal(waiting.body.error.code, "query.did_not_run");
  assert.equal(waiting.body.error.details.status, "pending_approval");
  assert.match(waiting.body.error.details.runId, /^run_/);
  // More rows matched than the action returns (maxRows 10 of 30): a cut selection is never acted on.
  const wide = await save(operator, {
    name: "all accounts",
    action: "accounts_like",
    params: { prefix: "acc_" },
  });
  const cut = await preview(operator, { action: "flaky_fee", savedQuery: wide.body.id });
  assert.equal(cut.status, 422);
  assert.equal(cut.body.error.code, "query.too_many_rows");
});

test("in the browser: Save as query under a SQL action's result, then a batch previewed from it on /bulk/new", async () => {
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  b = await launchBrowser();
  const ran = await t.post(
    "/api/v1/actions/accounts_by_prefix/runs",
    { params: { prefix: "acc_02" } },
    operator.headers,
  );
  assert.equal(ran.status, 200);
  const runId = ((await ran.json()) as { id: string }).id;
  const { page } = await b.newPage();
  await signIn(page, server.url, operator.email, PASSWORD, `/runs/${runId}`);
  await page.getByRole("button", { name: "Save as query" }).click();
  await page.getByRole("textbox", { name: "Name of the saved query" }).fill("Accounts 02x");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("link", { name: "Run an action in bulk from it" }).click();
  await page.waitForURL(/\/bulk\/new\?savedQuery=sq_/);
  await page.getByRole("combobox", { name: "Action to run on each item" }).click();
  await page.getByRole("option", { name: "Charge a fee (fails for bad accounts) (flaky_fee)" }).click();
  await page.getByRole("button", { name: "Run the query and preview" }).click();
  // acc_020 … acc_029: the saved query's rows, run again now.
  await page
    .locator("[data-bulk-preview]")
    .getByText(/^10 items/)
    .waitFor();
  const saved = await (await t.request("/api/v1/saved-queries", { headers: operator.headers })).json();
  const mine = saved.savedQueries.find((q: Json) => q.name === "Accounts 02x");
  assert.deepEqual(mine.params, { prefix: "acc_02" });
  assert.equal(mine.action, "accounts_by_prefix");
});
