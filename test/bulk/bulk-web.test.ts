// The bulk flow in a real browser: an operator follows "Run an action on these N rows" from a
// lookup's result, selects rows, previews the batch (count, total, "needs a second person"),
// starts it and waits; a manager finds the batch
// in the Approvals inbox, opens it and approves it; both pages follow the progress live to 5 / 5
// without a reload; the batch's items are filtered by status, and its item runs name the batch in
// the run history and on their own page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";
import { bulkWorkspace, prepareBulkTables } from "./bulk-fixture.ts";

let t: TestAirlock;
let server: Listening;
let b: TestBrowser;
let operator: TestUser;
let manager: TestUser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({ workspace: bulkWorkspace, prepare: prepareBulkTables });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const passwordHash = await hashPassword(PASSWORD);
  const pool = t.airlock.database.pool;
  operator = await createUser(pool, {
    email: "olive@fintech.test",
    name: "Olive Operator",
    groups: ["operators"],
    passwordHash,
  });
  manager = await createUser(pool, {
    email: "max@fintech.test",
    name: "Max Manager",
    groups: ["managers"],
    passwordHash,
  });
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
});

test("rows of a lookup's result → preview → approved from the inbox → live progress; items by status; item runs name the batch", async () => {
  const lookup = await t.post("/api/v1/actions/list_accounts/runs", { params: {} }, operator.headers);
  assert.equal(lookup.status, 200);
  const runId = ((await lookup.json()) as { id: string }).id;

  const asOperator = await b.newPage();
  const page = asOperator.page;
  // From the lookup's result page: the link opens /bulk/new with every row of the result selected.
  await signIn(page, server.url, operator.email, PASSWORD, `/runs/${runId}`);
  await page.getByRole("link", { name: "Run an action on these 8 rows" }).click();
  await page.waitForURL(new RegExp(`/bulk/new\\?from=${runId}&select=all$`));
  const rows = page.getByRole("table", { name: "Rows to act on" });
  await rows.getByText("acc_001").waitFor();
  await page.getByRole("button", { name: "Preview 8 rows" }).waitFor();
  await page.getByRole("combobox", { name: "Action to run on each item" }).click();
  await page.getByRole("option", { name: "Charge a fee (charge_fee)" }).click();
  await page.getByRole("checkbox", { name: "Select all rows" }).uncheck();
  for (const n of [1, 2, 3, 4, 5]) await page.getByRole("checkbox", { name: `Select row ${n}` }).check();
  await page.getByRole("button", { name: "Preview 5 rows" }).click();
  const preview = page.locator("[data-bulk-preview]");
  await preview.getByText("5 items · total 25.00 USD").waitFor();
  await preview.getByText("more than 3 items").waitFor();
  await preview.getByRole("button", { name: "Start batch of 5" }).click();
  await page.waitForURL(/\/bulk\/blk_/);
  const batchId = /\/bulk\/(blk_\w+)/.exec(page.url())![1]!;
  await page.locator("[data-bulk-status]").getByText("pending approval").waitFor();
  assert.equal(
    await page.getByRole("button", { name: "Approve batch" }).count(),
    0,
    "no Approve on your own batch",
  );

  const asManager = await b.newPage();
  // The manager finds the batch in the Approvals inbox; its row leads to the batch's page.
  await signIn(asManager.page, server.url, manager.email, PASSWORD, "/approvals");
  const waiting = asManager.page.locator(`[data-approval-kind="bulk"]`, { hasText: batchId });
  await waiting.getByText("Bulk batch").waitFor();
  await waiting.getByRole("link", { name: "Charge a fee" }).click();
  await asManager.page.waitForURL(new RegExp(`/bulk/${batchId}$`));
  await asManager.page.getByRole("button", { name: "Approve batch" }).click();
  await asManager.page.locator("[data-bulk-status]").getByText("succeeded").waitFor({ timeout: 30_000 });

  // The operator's page moves on its own, from the events stream (bulk.progress): no reload.
  await page
    .locator("[data-bulk-counts]")
    .getByText(/^5 \/ 5 · succeeded 5/)
    .waitFor({ timeout: 30_000 });
  await page.locator("[data-bulk-status]").getByText("succeeded").waitFor();
  await page.getByRole("link", { name: "Download report (CSV)" }).waitFor();
  // The items, filtered by status; each links its run, and the run links back to its batch.
  const items = page.locator("[data-bulk-items]");
  await page.getByText("Failed 0", { exact: true }).click();
  await page.getByText("No failed items.").waitFor();
  await page.getByText("Succeeded 5", { exact: true }).click();
  await items.locator('[data-item-status="succeeded"]').nth(4).waitFor();
  assert.equal(await items.locator("tbody tr").count(), 5);
  await items.locator("tbody tr").first().getByRole("link").click();
  await page.waitForURL(/\/runs\/run_/);
  await page.getByRole("link", { name: `item 1 of batch ${batchId}` }).waitFor();
  await page.goto(`${server.url}/runs`);
  // The run history: each of the batch's five item runs names the batch.
  await page.locator(`[data-batch-link="${batchId}"]`).nth(4).waitFor();
  assert.equal(await page.locator(`[data-batch-link="${batchId}"]`).count(), 5);
  // The batch page links its runs: the run history filtered by the batch (the lookup's run gone).
  assert.ok((await page.getByRole("table", { name: "Runs" }).locator("tbody tr").count()) > 5);
  await page.goto(`${server.url}/bulk/${batchId}`);
  await page.getByRole("link", { name: "Runs of this batch" }).click();
  await page.waitForURL(new RegExp(`/runs\\?batch=${batchId}$`));
  await page.getByRole("textbox", { name: "Batch" }).waitFor();
  assert.equal(await page.getByRole("textbox", { name: "Batch" }).inputValue(), batchId);
  await page.locator(`[data-batch-link="${batchId}"]`).nth(4).waitFor();
  assert.equal(await page.getByRole("table", { name: "Runs" }).locator("tbody tr").count(), 5);
  const ledger = await t.airlock.database.pool.query(
    "SELECT count(*)::int AS n FROM airlock.runs WHERE action = 'charge_fee' AND idempotency_key LIKE $1",
    [`bulk:${batchId}:%`],
  );
  assert.equal(ledger.rows[0].n, 5);
  assert.deepEqual(asOperator.problems, []);
  assert.deepEqual(asManager.problems, []);
});

test("a CSV uploaded or pasted on /bulk/new is previewed line by line, each refused line with its reason", async () => {
  const asOperator = await b.newPage();
  const page = asOperator.page;
  await signIn(page, server.url, operator.email, PASSWORD, "/bulk/new?action=charge_fee");
  const csv = ["id,amountCents", "acc_006,500", "acc_007,500,9", "=1+1,500", "acc_006,500", "acc_nobody,500"];
  await page.locator("input[type=file]").setInputFiles({
    name: "late.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv.join("\n")),
  });
  const box = page.getByRole("textbox", { name: "CSV of items" });
  // The file is read asynchronously: wait until the page counts its lines.
  await page.locator("[data-csv-lines]").getByText("5 lines after the header").waitFor();
  assert.equal(await box.inputValue(), csv.join("\n"), "the file's text is in the box");
  await page.getByRole("button", { name: "Preview the CSV" }).click();
  const preview = page.locator("[data-bulk-preview]");
  await preview.getByText("1 items · total 5.00 USD").waitFor();
  await preview.getByText("4 refused").waitFor();
  for (const [line, reason] of [
    [3, /^Line 3 \(acc_007\): has 3 cells, the header has 2$/],
    [4, /^Line 4.*starts like a spreadsheet formula$/],
    [5, /^Line 5 \(acc_006\): the same item as row 2$/],
    [6, /^Line 6 \(acc_nobody\): no account "acc_nobody" was found$/],
  ] as const)
    assert.match((await preview.locator(`[data-refused-row="${line}"]`).textContent()) ?? "", reason);

  // Pasted over: the preview is of the new text.
  await box.fill("id\nacc_008\nacc_009\n");
  await page.getByRole("button", { name: "Preview the CSV" }).click();
  await preview.getByText("2 items · total 10.00 USD").waitFor();
  assert.equal(await preview.locator("[data-refused-row]").count(), 0);
  assert.deepEqual(asOperator.problems, []);
});
