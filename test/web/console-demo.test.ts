// The operator's console on the demo workspace (what `npm start` serves), in a real browser:
// nothing is keyed by raw IDs — accounts are picked by name, email or a card's last 4 digits; result
// rows offer their actions prefilled; the run list shows each run's parameters and finds "the $250
// credit" by text; "Run this action again" starts from the same values; risk has a cross-account
// queue of flagged transactions (docs/ui.md).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { assertNoProblems, launchBrowser, signIn, type TestBrowser } from "./support/chromium.ts";
import { type DemoWebAirlock, startDemoWebAirlock } from "./support/demo-web-airlock.ts";

let w: DemoWebAirlock;
let b: TestBrowser;

before(async () => {
  w = await startDemoWebAirlock();
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await w?.close();
});

/** Types into a picker and chooses the option that matches. */
async function pick(page: Page, field: string, text: string, option: RegExp) {
  const started = performance.now();
  const box = page.getByRole("combobox", { name: field });
  await box.click();
  await box.pressSequentially(text, { delay: 20 });
  await page.getByRole("option", { name: option }).click();
  console.log(`picked ${option} after typing "${text}": ${Math.round(performance.now() - started)} ms`);
}

test("account fields are pickers: found by name, email or a card's last 4 digits, never by typing acc_…", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  const sam = w.people.sam!;
  await signIn(page, w.url, sam.email, sam.password, "/actions/issue_credit");

  await pick(page, "Account", "Alice", /Alice M\. · acc_demo_alice/);
  assert.match(await page.getByRole("combobox", { name: "Account" }).inputValue(), /acc_demo_alice/);
  await page.getByRole("combobox", { name: "Account" }).clear();
  await pick(page, "Account", "alice.martin@exa", /acc_demo_alice/);
  await page.getByRole("combobox", { name: "Account" }).clear();
  await pick(page, "Account", "4242", /card ••4242/);
  assert.match(await page.getByRole("combobox", { name: "Account" }).inputValue(), /acc_demo_alice/);

  // The same picker on a customer field (another role's form).
  const cora = w.people.cora!;
  const compliance = await b.newPage();
  await signIn(compliance.page, w.url, cora.email, cora.password, "/actions/export_customer_data");
  await pick(compliance.page, "Customer", "Erin", /cus_demo_erin/);
  assertNoProblems(compliance);
  await compliance.context.close();
  assertNoProblems(watched);
  await watched.context.close();
});

test("result rows offer their actions prefilled; risk's queue of flagged transactions spans every account", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  const rita = w.people.rita!;
  await signIn(page, w.url, rita.email, rita.password, "/actions/list_flagged_transactions");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const table = page.locator("[data-run-outcome] table");
  await table.getByRole("cell", { name: "txn_demo_flag_1", exact: true }).waitFor();
  // The result table uses the page's full width, not the form's column.
  const tableWidth = (await table.boundingBox())!.width;
  const mainWidth = (await page.locator("#main").boundingBox())!.width;
  assert.ok(tableWidth > mainWidth * 0.85, `table ${tableWidth} px of ${mainWidth} px`);
  const accounts = new Set(await table.locator("tbody tr td:nth-child(2)").allTextContents());
  assert.ok(
    accounts.has("acc_demo_flagged") && accounts.size > 1,
    `flags of several accounts: ${[...accounts]}`,
  );

  const row = table.locator("tr", { has: page.getByRole("cell", { name: "txn_demo_flag_1", exact: true }) });
  await row.getByRole("link", { name: "Clear a fraud flag" }).click();
  await page.getByRole("heading", { name: "Clear a fraud flag" }).waitFor();
  assert.ok(page.url().endsWith("/actions/clear_fraud_flag?transactionId=txn_demo_flag_1"), page.url());
  assert.equal(await page.getByRole("textbox", { name: "Transaction" }).inputValue(), "txn_demo_flag_1");

  // Support sees "Issue a goodwill credit" on a late payment's row, with the account picked.
  const sam = w.people.sam!;
  const support = await b.newPage();
  await signIn(support.page, w.url, sam.email, sam.password, "/actions/find_late_payments");
  await support.page.getByRole("button", { name: "Run", exact: true }).click();
  const late = support.page.locator("[data-run-outcome] table tr", {
    has: support.page.getByRole("cell", { name: "bill_demo_late", exact: true }),
  });
  // The row's action is on screen without scrolling sideways (the table has eight columns): once
  // the page scrolls down to the row, the link lies inside the viewport and nothing covers it.
  const credit = late.getByRole("link", { name: "Issue a goodwill credit" });
  const seen = await credit.evaluate((e) => {
    window.scrollBy(0, e.getBoundingClientRect().top - window.innerHeight / 2);
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return { left: r.left, right: r.right, width: window.innerWidth, covered: !e.contains(hit) };
  });
  assert.ok(
    seen.left >= 0 && seen.right <= seen.width && !seen.covered,
    `"Issue a goodwill credit": ${JSON.stringify(seen)}`,
  );
  await credit.click();
  await support.page.getByRole("heading", { name: "Issue a goodwill credit" }).waitFor();
  await support.page
    .getByRole("combobox", { name: "Account" })
    .and(support.page.locator("[value*='Erin']"))
    .waitFor();
  // Risk may not clear delinquencies: no button for what the person may not run.
  assert.equal(await page.getByRole("link", { name: "Clear a delinquent payment" }).count(), 0);
  assertNoProblems(support);
  await support.context.close();
  assertNoProblems(watched);
  await watched.context.close();
});

test("the run list shows parameters and errors, finds the $250 credit by text, and re-runs it prefilled", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  const sally = w.people.sally!;
  await signIn(page, w.url, sally.email, sally.password, "/actions/issue_credit");
  for (const amount of ["50", "250"]) {
    await page.goto(`${w.url}/actions/issue_credit`);
    await pick(page, "Account", "Alice", /acc_demo_alice/);
    await page.getByRole("textbox", { name: "Amount" }).fill(amount);
    await page.getByRole("textbox", { name: /^Reason/ }).fill("Outage on 2 December");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator("[data-run-outcome]").waitFor();
  }
  // A refused one: its error shows in the list.
  await page.goto(`${w.url}/actions/issue_credit?accountId=acc_demo_closed&amountCents=1000`);
  await page.getByRole("textbox", { name: /^Reason/ }).fill("Outage on 2 December");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page
    .locator("[data-run-outcome]")
    .getByText(/closed/)
    .first()
    .waitFor();

  await page.goto(`${w.url}/runs`);
  const rows = page.locator("tr[data-run-row]");
  await rows.first().waitFor();
  assert.match(
    (await rows.filter({ hasText: "$250.00" }).textContent()) ?? "",
    /Account ID acc_demo_alice · Amount \$250\.00/,
  );
  assert.match((await rows.filter({ hasText: "acc_demo_closed" }).textContent()) ?? "", /is closed/);

  // Times are relative, the absolute time on hover.
  const when = rows.first().locator("time");
  assert.match((await when.textContent()) ?? "", /ago|just now/);
  assert.match((await when.getAttribute("title")) ?? "", /\b20\d\d\b/);
  await page.getByRole("searchbox", { name: "Search" }).pressSequentially("$250", { delay: 30 });
  await page.waitForURL(/[?&]q=%24250/);
  await page.waitForFunction(() => document.querySelectorAll("tr[data-run-row]").length === 1);
  assert.match((await rows.first().textContent()) ?? "", /\$250\.00/);

  await rows.first().getByRole("link").first().click();
  await page.getByRole("link", { name: "Run this action again" }).click();
  await page.getByRole("heading", { name: "Issue a goodwill credit" }).waitFor();
  assert.equal(await page.getByRole("textbox", { name: "Amount" }).inputValue(), "250.00");
  await page.getByRole("combobox", { name: "Account" }).and(page.locator("[value*='Alice M.']")).waitFor();
  assertNoProblems(watched);
  await watched.context.close();
});

test("approving a high-risk action asks first, naming it; decisions and runs are announced; the policy dialog names its policy", async () => {
  const rita = w.people.rita!;
  const requested = await fetch(`${w.url}/api/v1/actions/confirm_fraud/runs`, {
    method: "POST",
    headers: { ...rita.headers, "idempotency-key": "console-demo-freeze" },
    body: JSON.stringify({
      params: {
        transactionId: "txn_demo_flag_2",
        reason: "Customer did not make it; card was stolen.",
        freezeAccount: true,
      },
    }),
  });
  const run = (await requested.json()) as { status: string; approvalRequestId: string };
  assert.equal(run.status, "pending_approval", JSON.stringify(run));

  const watched = await b.newPage();
  const { page } = watched;
  const raj = w.people.raj!;
  await signIn(page, w.url, raj.email, raj.password, `/approvals/${run.approvalRequestId}`);
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText(/Approve “Confirm fraud.*” on transaction txn_demo_flag_2\?/).waitFor();
  await dialog.getByRole("button", { name: "Keep it" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal(
    (
      (await (
        await fetch(`${w.url}/api/v1/approvals/${run.approvalRequestId}`, { headers: rita.headers })
      ).json()) as {
        status: string;
      }
    ).status,
    "pending",
    "closing the dialog decides nothing",
  );
  await page.getByRole("button", { name: "Approve", exact: true }).click();
  await dialog.getByRole("button", { name: "Approve and run" }).click();
  await page.locator("[data-toast=success]", { hasText: "Approved: the action runs now" }).waitFor();

  // A run's success is announced too, not only shown below the form.
  const sam = w.people.sam!;
  const support = await b.newPage();
  await signIn(
    support.page,
    w.url,
    sam.email,
    sam.password,
    "/actions/issue_credit?accountId=acc_demo_alice&amountCents=500",
  );
  await support.page.getByRole("textbox", { name: /^Reason/ }).fill("Outage on 2 December");
  await support.page.getByRole("button", { name: "Run", exact: true }).click();
  await support.page.locator("[data-toast=success]", { hasText: "Done: Issue a goodwill credit" }).waitFor();
  assertNoProblems(support);
  await support.context.close();

  // The policy switch says which policy it changes.
  const ada = w.people.ada!;
  const admin = await b.newPage();
  await signIn(admin.page, w.url, ada.email, ada.password, "/admin/policies");
  const policyRow = admin.page.locator("tr", { hasText: "confirm_fraud.second_analyst" });
  await policyRow.getByRole("button", { name: /Switch to enforce/ }).click();
  await admin.page
    .getByRole("dialog", { name: /Switch the policy “confirm_fraud\.second_analyst” to enforce/ })
    .waitFor();
  assertNoProblems(admin);
  await admin.context.close();
  assertNoProblems(watched);
  await watched.context.close();
});
