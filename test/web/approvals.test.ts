// Two people, one money movement: the operator asks for a $250 credit (above the $100 limit), sees
// it pending with who may approve, and is never offered Approve on their own request; a support
// manager finds it in the inbox and approves; it runs; the run page names both people and shows
// what changed; an auditor finds the run by its request ID.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assertAccessible,
  launchBrowser,
  screenshot,
  signIn,
  type TestBrowser,
  type WatchedPage,
} from "./support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

let w: WebAirlock;
let b: TestBrowser;
let requester: WatchedPage;
let reviewer: WatchedPage;
const ids = { run: "", request: "", approval: "" };

before(async () => {
  w = await startWebAirlock();
  b = await launchBrowser();
  requester = await b.newPage();
  reviewer = await b.newPage();
});
after(async () => {
  await b?.close();
  await w?.close();
});

test("the requester asks for a gated credit, confirms the values, and sees it waiting for approval", async () => {
  const { page } = requester;
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password, "/actions/issue_credit");
  await page.getByRole("combobox", { name: "Account" }).click();
  await page.getByRole("option", { name: /Northwind Traders/ }).click();
  await page.getByRole("textbox", { name: "Amount" }).fill("250");
  await page
    .getByRole("textbox", { name: "Note for the customer record" })
    .fill("Goodwill credit for the 3 May outage");
  assert.equal(await page.getByRole("textbox", { name: "Amount" }).inputValue(), "250.00", "tidied on blur");
  await page.getByRole("textbox", { name: "Reason" }).fill("Customer escalation, ticket 7781");
  await page.getByRole("button", { name: "Review and run" }).click();

  const dialog = page.getByRole("dialog", { name: "Confirm: Issue a credit" });
  await dialog.locator("[data-confirm-value='amountCents']").filter({ hasText: "$250.00" }).waitFor();
  await dialog.locator("[data-confirm-value='accountId']").filter({ hasText: "acc_1001" }).waitFor();
  await assertAccessible(page, "confirmation dialog");
  await screenshot(page, "confirm");
  await dialog.getByRole("button", { name: "Confirm and run" }).click();

  const outcome = page.locator("[data-run-outcome]");
  await outcome.getByText("Waiting for approval").first().waitFor();
  await outcome.getByText("group support-managers").waitFor();
  const run = await w.t.airlock.database.pool.query<{
    id: string;
    request_id: string;
    approval_request_id: string;
    params: { amountCents: number };
  }>("SELECT id, request_id, approval_request_id, params FROM airlock.runs WHERE action = 'issue_credit'");
  assert.equal(run.rows.length, 1);
  assert.equal(run.rows[0]!.params.amountCents, 25_000, "$250.00 was sent as 25000 minor units");
  ids.run = run.rows[0]!.id;
  ids.request = run.rows[0]!.request_id;
  ids.approval = run.rows[0]!.approval_request_id;
  await outcome.getByText(ids.run).waitFor();
  await outcome.getByText(ids.request).waitFor();
  await screenshot(page, "pending-approval", "[data-run-outcome]");
  assert.deepEqual(requester.problems, []);
});

test("the requester sees their own request without Approve or Reject, only Cancel", async () => {
  const { page } = requester;
  await page.locator("[data-run-outcome]").getByRole("link", { name: "Open the request" }).click();
  await page.locator("[data-own-request]").waitFor();
  await page.getByText("You requested this — waiting for a reviewer").waitFor();
  assert.equal(await page.getByRole("button", { name: "Approve" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Reject" }).count(), 0);
  await page.getByRole("button", { name: "Cancel my request" }).waitFor();
  await assertAccessible(page, "own approval request");

  await page.goto(`${w.url}/approvals?tab=mine`);
  await page.locator(`[data-approval-row='${ids.approval}']`).waitFor();
  // Someone who approves nothing lands on "My requests"; "Waiting for me" never holds their own.
  await page.goto(`${w.url}/approvals?tab=pending`);
  await page.getByText("Nothing is waiting for your decision.").waitFor();
  assert.deepEqual(requester.problems, []);
});

test("a support manager finds it in the inbox (badge), reviews the context and approves; it runs", async (t) => {
  const { page } = reviewer;
  await signIn(page, w.url, w.people.manager.email, w.people.manager.password);
  await page.getByLabel("1 waiting for your decision").waitFor();
  await page.getByRole("link", { name: /Approvals/ }).click();
  const row = page.locator(`[data-approval-row='${ids.approval}']`);
  await row.getByText("Olivia Ortiz").waitFor();
  await assertAccessible(page, "approvals inbox");
  await screenshot(page, "approvals");

  await row.getByRole("link", { name: "Issue a credit" }).click();
  await page
    .locator("[data-request-reason]")
    .filter({ hasText: "Customer escalation, ticket 7781" })
    .waitFor();
  await page.getByRole("heading", { name: "Target now" }).waitFor();
  await page.getByText("Northwind Traders").first().waitFor();
  await assertAccessible(page, "approval review page");
  await screenshot(page, "approval-review");

  await page.getByRole("textbox", { name: "Reason" }).fill("Checked the outage report");
  const started = Date.now();
  await page.getByRole("button", { name: "Approve" }).click();
  // A high-risk action runs as soon as it is approved: the page asks first, naming it.
  const confirm = page.getByRole("dialog", { name: /Approve “Issue a credit” on account acc_1001\?/ });
  await confirm.getByRole("button", { name: "Approve and run" }).click();
  await page.locator("[data-decision]").filter({ hasText: "Marcus Chen approved" }).waitFor();
  t.diagnostic(`approval recorded and shown in ${Date.now() - started} ms`);
  assert.equal(await page.getByRole("button", { name: "Approve" }).count(), 0, "no second decision offered");
  assert.deepEqual(reviewer.problems, []);
});

test("the requester's page follows the run to its result; the run page names both people", async () => {
  const outcome = requester.page;
  await outcome.goBack();
  await outcome.goBack();
  await outcome.goBack();
  // The run page of the requester, which polls until the run is final.
  await outcome.goto(`${w.url}/runs/${ids.run}`);
  await outcome.getByText("Succeeded").first().waitFor({ timeout: 15_000 });

  const { page } = reviewer;
  await page.goto(`${w.url}/runs/${ids.run}`);
  await page.locator("[data-run-actor]").filter({ hasText: "Olivia Ortiz" }).waitFor();
  await page.locator("[data-param='amountCents']").filter({ hasText: "$250.00" }).waitFor();
  await page.locator("[data-approver]").filter({ hasText: "Marcus Chen approved" }).waitFor();
  await page
    .getByRole("table", { name: "Before and after" })
    .getByRole("row", { name: /Balance \$1,250\.00 \$1,500\.00 Changed/ })
    .waitFor();
  await page.getByText(ids.request).first().waitFor();
  await assertAccessible(page, "run page");
  await screenshot(page, "run");
  assert.deepEqual(requester.problems, []);
  assert.deepEqual(reviewer.problems, []);
});

test("an auditor finds the run by its request ID", async () => {
  const auditor = await b.newPage();
  const { page } = auditor;
  await signIn(page, w.url, w.people.auditor.email, w.people.auditor.password, "/audit");
  // The audit API exists and answers the auditor; a "not available yet" page is a failure here.
  const probe = await page.evaluate(async () => (await fetch("/api/v1/audit?limit=1")).status);
  assert.equal(probe, 200, "GET /api/v1/audit answers the auditor");
  await page.locator("[data-audit-request-id]").fill(ids.request);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.locator(`[data-audit-row='${ids.run}']`).first().waitFor();
  await assertAccessible(page, "audit explorer");
  await screenshot(page, "audit");
  assert.deepEqual(auditor.problems, []);
  await auditor.context.close();
});
