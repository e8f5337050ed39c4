// The operator's console in a real browser, one test per promise it makes: money in its own
// currency; the audit answering "what did this person do"; … (docs/ui.md).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { Browser } from "../support/browser.ts";
import { assertNoProblems, launchBrowser, signIn, type TestBrowser } from "./support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

let w: WebAirlock;
let b: TestBrowser;

before(async () => {
  w = await startWebAirlock();
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await w?.close();
});

async function choose(page: Page, field: string, option: RegExp) {
  await page.getByRole("combobox", { name: field }).click();
  await page.getByRole("option", { name: option }).click();
}

async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: button }).click(),
  ]);
  return readFileSync((await file.path())!, "utf8");
}

test("money is shown and entered in its own currency: tables, CSV, the form, the result, the run's diff", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password, "/actions/wallet_report");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const table = page.locator("[data-run-outcome] table");
  await table.getByRole("cell", { name: "Lumen Studio GmbH" }).waitFor();
  const balances = await table.locator("tbody tr td:nth-child(4)").allTextContents();
  assert.deepEqual(balances, ["€1,250.00", "£310.50", "¥48,000"]);

  // The CSV holds what the table shows: the columns' labels and each amount in its currency.
  const csv = await download(page, "Download CSV");
  assert.match(csv, /^Wallet ID,Owner,Currency,Balance\r\n/);
  assert.match(csv, /\r\nwal_eur1,Lumen Studio GmbH,EUR,"€1,250\.00"\r\n/);
  assert.match(csv, /\r\nwal_jpy1,Sakura Tea KK,JPY,"¥48,000"\r\n/);

  // The amount field follows the chosen wallet's currency (its schema names none).
  await page.goto(`${w.url}/actions/top_up_wallet`);
  const amount = page.getByRole("textbox", { name: "Amount" });
  await choose(page, "Wallet", /Lumen Studio GmbH/);
  const field = amount.locator("xpath=ancestor::div[contains(@class,'mantine-TextInput-root')]");
  await field.getByText("EUR", { exact: true }).waitFor();
  assert.equal(await field.getByText("$").count(), 0, "no dollar sign on a euro amount");
  await amount.fill("50");
  await amount.blur();
  assert.equal(await amount.inputValue(), "50.00");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const outcome = page.locator("[data-run-outcome]");
  await outcome.getByRole("row", { name: "Balance €1,300.00" }).waitFor();
  await outcome.getByRole("row", { name: "Amount €50.00" }).waitFor();
  // An identifier is a name, not a quantity: no thousands separator.
  await outcome.getByRole("row", { name: "Journal ID 12345" }).waitFor();

  // The run page: parameters and the before/after in euros too.
  await outcome.getByRole("link", { name: "Open", exact: true }).click();
  const diff = page.getByRole("table", { name: "Before and after" });
  await diff.getByRole("row", { name: /Balance €1,250\.00 €1,300\.00 Changed/ }).waitFor();
  await page.getByRole("table", { name: "Parameters" }).getByRole("row", { name: "Amount €50.00" }).waitFor();
  assertNoProblems(watched);
  await watched.context.close();
});

test("the audit answers 'what did this person do': a person picked by name, an action from a list, names with IDs on hover, readable details, the run page's Who", async () => {
  // Olivia ran something; Ana (an auditor) asks what Olivia did.
  const olivia = new Browser(w.t);
  assert.equal((await olivia.login(w.people.operator.email, w.people.operator.password)).status, 200);
  const ran = await olivia.request("/api/v1/actions/account_summary/runs", {
    method: "POST",
    headers: { "idempotency-key": `console-audit-${Date.now()}` },
    body: JSON.stringify({ params: { accountId: "acc_1004" } }),
  });
  assert.equal(ran.status, 200);
  const runId = ((await ran.json()) as { id: string }).id;

  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, w.people.auditor.email, w.people.auditor.password, "/audit");
  const person = page.getByRole("combobox", { name: "Person" });
  await person.fill("olivia");
  await page.getByRole("option", { name: `Olivia Ortiz <${w.people.operator.email}>` }).click();
  await page.getByLabel("Action").selectOption("account_summary");
  // The unfiltered page already lists Olivia's run; read the table only once the filtered answer
  // has arrived, or the read may land between the old rows and the new ones.
  const filtered = page.waitForResponse(
    (r) => r.url().includes("/api/v1/audit?") && r.url().includes(`actorId=${w.people.operator.id}`),
  );
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.waitForURL(new RegExp(`actorId=${w.people.operator.id}`));
  assert.equal((await filtered).status(), 200);
  const table = page.getByRole("table", { name: "Audit events" });
  await table.locator(`[data-audit-row='${runId}']`).first().waitFor();
  // Every row is Olivia's, shown by name with her ID on hover.
  const actors = await table
    .locator("tbody [data-actor-id]")
    .evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute("title")]));
  assert.ok(actors.length >= 2, `rows: ${JSON.stringify(actors)}`);
  for (const [name, id] of actors) assert.deepEqual([name, id], ["Olivia Ortiz", w.people.operator.id]);

  // The expanded row reads as fields, not JSON.
  await table.locator(`[data-audit-row='${runId}']`).first().locator("button[aria-expanded]").click();
  const details = page.getByRole("table", { name: /^Audit event / });
  await details.getByRole("row", { name: "Parameters › Account ID acc_1004" }).waitFor();
  await details.getByRole("row", { name: `Run ID ${runId}` }).waitFor();
  assert.equal(await page.locator("[data-audit-row] + tr code").count(), 0, "no raw JSON");

  // The API takes the same filter the UI sends.
  const ana = new Browser(w.t);
  await ana.login(w.people.auditor.email, w.people.auditor.password);
  const api = await ana.request(`/api/v1/audit?actorId=${w.people.operator.id}&action=account_summary`);
  assert.equal(api.status, 200);
  const body = (await api.json()) as {
    events: { actorId: string }[];
    actors: Record<string, { name: string }>;
  };
  assert.ok(body.events.length >= 2 && body.events.every((e) => e.actorId === w.people.operator.id));
  assert.equal(body.actors[w.people.operator.id]?.name, "Olivia Ortiz");

  // The run's own page names who did each event.
  await page.goto(`${w.url}/runs/${runId}`);
  const runEvents = page.getByRole("table", { name: "Audit events of this run" });
  await runEvents.getByRole("row", { name: /run\.requested .*Olivia Ortiz/ }).waitFor();
  assertNoProblems(watched);
  await watched.context.close();
});

test("catalog search keeps every key typed 30 ms apart, ranks title words first, and a view-only form is read-only", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password);
  const box = page.getByRole("searchbox", { name: "Search actions" });
  const order = () =>
    page
      .locator("#action-list [data-action-row]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-action-row")));
  await box.click();
  await page.keyboard.type("issue a credit", { delay: 30 });
  assert.equal(await box.inputValue(), "issue a credit", "no key dropped");
  await page.locator("#action-list > [data-action-row='issue_credit']:only-child").waitFor();

  // "credit" is a word of one title and only in another's description: the title comes first.
  await box.fill("");
  await page.keyboard.type("credit", { delay: 30 });
  await page.locator("#action-list > [data-action-row='find_wallets']").waitFor();
  assert.deepEqual((await order()).slice(0, 2), ["issue_credit", "find_wallets"]);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Issue a credit" }).waitFor();
  await page.waitForURL(/\/actions\/issue_credit$/);

  // Someone who may see but not run an action sees its fields read-only.
  const auditor = await b.newPage();
  await signIn(
    auditor.page,
    w.url,
    w.people.auditor.email,
    w.people.auditor.password,
    "/actions/issue_credit",
  );
  await auditor.page.getByText("You may see this action but not run it").waitFor();
  const fields = [
    auditor.page.getByRole("combobox", { name: "Account" }),
    auditor.page.getByRole("textbox", { name: "Amount" }),
    auditor.page.getByRole("textbox", { name: "Note for the customer record" }),
  ];
  for (const field of fields) assert.equal(await field.isEditable(), false, `${field} is read-only`);
  assertNoProblems(watched);
  assertNoProblems(auditor);
  await watched.context.close();
  await auditor.context.close();
});

test("confirmation scales with risk: a critical action runs once its target is typed; a revoke names what it revokes in the page, not window.confirm, and is announced", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  let browserDialogs = 0;
  page.on("dialog", (d) => {
    browserDialogs++;
    void d.dismiss();
  });
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password, "/actions/close_wallet");
  await choose(page, "Wallet", /Harbour Books/);
  await page.getByRole("button", { name: "Review and run" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm: Close a wallet" });
  const run = dialog.getByRole("button", { name: "Confirm and run" });
  await dialog.getByRole("textbox", { name: "Type wal_gbp1 to confirm" }).waitFor();
  assert.equal(await run.isDisabled(), true, "not before the target is typed");
  await dialog.getByRole("textbox", { name: "Type wal_gbp1 to confirm" }).fill("wal_eur1");
  assert.equal(await run.isDisabled(), true, "not with another target");
  await dialog.getByRole("textbox", { name: "Type wal_gbp1 to confirm" }).fill("wal_gbp1");
  await run.click();
  await page.locator("[data-run-outcome]").getByText("Succeeded").waitFor();

  // Revoking a token: an in-page dialog that names the token.
  const operator = new Browser(w.t);
  await operator.login(w.people.operator.email, w.people.operator.password);
  const made = await operator.request("/api/v1/tokens", {
    method: "POST",
    body: JSON.stringify({ name: "nightly-export" }),
  });
  assert.equal(made.status, 201);
  await page.goto(`${w.url}/admin/tokens`);
  await page.getByRole("button", { name: "Revoke token nightly-export" }).click();
  const revoke = page.getByRole("dialog", { name: "Revoke the token “nightly-export”?" });
  await revoke.getByRole("button", { name: "Revoke the token" }).click();
  await page.getByRole("button", { name: "Revoke token nightly-export" }).waitFor({ state: "detached" });
  await page.locator("[data-toast=success]", { hasText: "Token “nightly-export” revoked" }).waitFor();

  // Revoking a stored grant: named in its dialog, announced when done.
  await w.t.airlock.database.pool.query(
    "INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by) VALUES ('gnt_console_revoke', 'role', 'auditor', '{view}', 'tag', 'revocable', $1)",
    [w.people.admin.id],
  );
  const admin = await b.newPage();
  await signIn(admin.page, w.url, w.people.admin.email, w.people.admin.password, "/admin/grants");
  await admin.page.getByRole("button", { name: /^Revoke view for auditor on .*revocable/ }).click();
  const revokeGrant = admin.page.getByRole("dialog", { name: "Revoke view for auditor?" });
  await revokeGrant.getByRole("button", { name: "Revoke the grant" }).click();
  await admin.page.locator("[data-toast=success]", { hasText: "Revoked view for auditor" }).waitFor();
  assertNoProblems(admin);
  await admin.context.close();
  const { rows: revoked } = await w.t.airlock.database.pool.query(
    "SELECT revoked_at FROM airlock.grants WHERE id = 'gnt_console_revoke'",
  );
  assert.notEqual(revoked[0].revoked_at, null, "the grant is revoked, not held");
  assert.equal(browserDialogs, 0, "no window.confirm");
  assertNoProblems(watched);
  await watched.context.close();
});

test("dark mode follows the system preference", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await page.emulateMedia({ colorScheme: "dark" });
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.mantineColorScheme), "dark");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, bl] = (background.match(/\d+/g) ?? []).map(Number);
  assert.ok(r! + g! + bl! < 150, `a dark page background, not ${background}`);
  await page.emulateMedia({ colorScheme: "light" });
  await page.waitForFunction(() => document.documentElement.dataset.mantineColorScheme === "light");
  assertNoProblems(watched);
  await watched.context.close();
});

async function runsOfAction(action: string): Promise<number> {
  const r = await w.t.airlock.database.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM airlock.runs WHERE action = $1",
    [action],
  );
  return r.rows[0]!.n;
}

test("after Run the result is on screen and announced; the same values again ask first, with a new key", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password, "/actions/top_up_wallet");
  await choose(page, "Wallet", /Sakura Tea/);
  await page.getByRole("textbox", { name: "Amount" }).fill("500");
  const before = await runsOfAction("top_up_wallet");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const balance = page.locator("[data-run-outcome]").getByRole("row", { name: /^Balance ¥/ });
  await balance.waitFor();
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll("[data-run-outcome] tr")].find((r) =>
      r.textContent?.startsWith("Balance"),
    );
    const box = row?.getBoundingClientRect();
    return !!box && box.top >= 0 && box.bottom <= window.innerHeight;
  });
  await page.locator("[data-run-outcome]").getByRole("status").filter({ hasText: "Succeeded" }).waitFor();
  assert.equal(await runsOfAction("top_up_wallet"), before + 1);

  // The same values again: never silently. The button says so, and a dialog asks.
  const again = page.getByRole("button", { name: "Run again with a new key" });
  await again.click();
  const ask = page.getByRole("dialog", { name: "Run “Top up a wallet” again with the same values?" });
  await ask.getByRole("button", { name: "Keep it" }).click();
  await page.waitForTimeout(300);
  assert.equal(await runsOfAction("top_up_wallet"), before + 1, "declined: nothing sent");
  await again.click();
  await ask.getByRole("button", { name: "Run again" }).click();
  await page.locator("[data-run-outcome]").getByRole("row", { name: "Balance ¥49,000" }).waitFor();
  assert.equal(await runsOfAction("top_up_wallet"), before + 2, "confirmed: a second run");

  // Other values are a new submission: plain Run again.
  await page.getByRole("textbox", { name: "Amount" }).fill("1");
  await page.getByRole("button", { name: "Run", exact: true }).waitFor();
  assertNoProblems(watched);
  await watched.context.close();
});

test("navigation offers only what the person may use; an auditor of some actions reads them; a refused export says why", async () => {
  const admin = await b.newPage();
  await signIn(admin.page, w.url, w.people.admin.email, w.people.admin.password);
  const adminNav = admin.page.getByRole("navigation").first();
  await adminNav.getByRole("link", { name: "Admin" }).waitFor();
  assert.equal(
    await adminNav.getByRole("link", { name: "Audit" }).count(),
    0,
    "admin without audit: no Audit",
  );
  assertNoProblems(admin);
  await admin.context.close();

  const operator = new Browser(w.t);
  await operator.login(w.people.operator.email, w.people.operator.password);
  const ran = await operator.request("/api/v1/actions/wallet_report/runs", {
    method: "POST",
    headers: { "idempotency-key": `console-nav-${Date.now()}` },
    body: JSON.stringify({ params: {} }),
  });
  assert.equal(ran.status, 200);

  const walt = await w.person("Walt Wallets", ["wallet-auditors"]);
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, walt.email, walt.password);
  await page.getByRole("navigation").first().getByRole("link", { name: "Audit" }).click();
  const table = page.getByRole("table", { name: "Audit events" });
  await table.getByText("wallet_report").first().waitFor();
  const actions = await table
    .locator("tbody tr[data-audit-row] td:nth-child(5) p:first-child")
    .allTextContents();
  assert.ok(actions.length > 0 && actions.every((a) => /wallet/.test(a)), `only wallet events: ${actions}`);

  // Access taken away while the page is open: the export says why instead of failing silently.
  await w.t.airlock.database.pool.query("DELETE FROM airlock.group_members WHERE user_id = $1", [walt.id]);
  await page.getByRole("button", { name: "Export CSV" }).click();
  const refused = page.getByRole("alert").filter({ hasText: "The export was refused" });
  await refused.getByText("You may not read the audit trail.").waitFor();
  assertNoProblems(watched);
  await watched.context.close();
});

test("an approval page follows the request live: another reviewer's decision and the run's end show without a reload", async () => {
  const requester = new Browser(w.t);
  await requester.login(w.people.operator.email, w.people.operator.password);
  const asked = await requester.request("/api/v1/actions/issue_credit/runs", {
    method: "POST",
    headers: { "idempotency-key": `console-live-${Date.now()}` },
    body: JSON.stringify({
      params: { accountId: "acc_1003", amountCents: 20_000, note: "Live update check" },
    }),
  });
  assert.equal(asked.status, 202);
  const approvalId = ((await asked.json()) as { approvalRequestId: string }).approvalRequestId;

  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, w.people.manager.email, w.people.manager.password, `/approvals/${approvalId}`);
  const runSection = page.locator("section[aria-labelledby='request-run']");
  await runSection.getByText("Waiting for approval").waitFor();

  // Another manager approves through the API while Marcus watches.
  const other = await w.person("Maya Reviewer", ["support-managers"]);
  const reviewer = new Browser(w.t);
  await reviewer.login(other.email, other.password);
  const decided = await reviewer.request(`/api/v1/approvals/${approvalId}/approve`, {
    method: "POST",
    body: JSON.stringify({}),
  });
  assert.equal(decided.status, 200);
  const started = Date.now();
  await runSection.getByText("Succeeded").waitFor({ timeout: 6_000 });
  const seenMs = Date.now() - started;
  assert.ok(seenMs < 6_000, `shown after ${seenMs} ms`);
  assert.equal(
    await page.getByRole("button", { name: "Approve" }).count(),
    0,
    "no decision offered any more",
  );
  assertNoProblems(watched);
  await watched.context.close();
});

test("small things: a first visit logs no 401; the inbox opens on 'My requests' for someone who approves nothing; an email field is one line", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  // The harness forgives 4xx console lines; a first visit (no session yet) must not cause one.
  const failed: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") failed.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() === 401) failed.push(`401 ${r.url()}`);
  });
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password, "/approvals");
  assert.deepEqual(failed, [], "no error in the console on a first visit and sign-in");
  // A request's amount in the inbox is in its target's currency (the wallet's euros), not "$".
  const operator = new Browser(w.t);
  await operator.login(w.people.operator.email, w.people.operator.password);
  const held = await operator.request("/api/v1/actions/top_up_wallet/runs", {
    method: "POST",
    headers: { "idempotency-key": `console-inbox-${Date.now()}` },
    body: JSON.stringify({ params: { walletId: "wal_eur1", amountCents: 2_000_000 } }),
  });
  assert.equal(((await held.json()) as { status: string }).status, "pending_approval");
  await page.reload();
  await page.getByText("Amount: €20,000.00").waitFor();
  assert.equal(await page.getByRole("tab", { name: "My requests" }).getAttribute("aria-selected"), "true");
  await page.goto(`${w.url}/actions/extend_trial`);
  const email = page.getByRole("textbox", { name: /Send to/ });
  assert.equal(await email.evaluate((e) => e.tagName), "INPUT");
  assert.equal(await email.getAttribute("type"), "email");
  assertNoProblems(watched);
  await watched.context.close();
});

test("layout: on a 390 px phone the run page and the catalog fit, and no badge is cut short", async () => {
  const operator = new Browser(w.t);
  await operator.login(w.people.operator.email, w.people.operator.password);
  const ran = await operator.request("/api/v1/actions/top_up_wallet/runs", {
    method: "POST",
    headers: { "idempotency-key": `console-layout-${Date.now()}` },
    body: JSON.stringify({ params: { walletId: "wal_eur1", amountCents: 100 } }),
  });
  const runId = ((await ran.json()) as { id: string }).id;
  const watched = await b.newPage();
  const { page } = watched;
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password);
  for (const path of ["/", `/runs/${runId}`]) {
    await page.goto(`${w.url}${path}`);
    await page.locator(".mantine-Badge-root").first().waitFor();
    await page.waitForLoadState("networkidle");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > 391 && e.children.length === 0)
        .slice(0, 8)
        .map(
          (e) =>
            `${e.tagName}.${e.className} ${e.textContent?.slice(0, 40)} ${Math.round(e.getBoundingClientRect().right)}`,
        ),
    );
    assert.ok(width <= 390, `${path} is ${width} px wide: ${wide.join(" | ")}`);
    const cut = await page
      .locator(".mantine-Badge-label")
      .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    assert.deepEqual(cut, [], `${path}: badges cut short`);
    // The header is fixed, so an overflow there does not widen the page: check "Sign out" itself.
    const signOut = (await page.getByRole("button", { name: "Sign out" }).boundingBox())!;
    assert.ok(
      signOut.x >= 0 && signOut.x + signOut.width <= 390,
      `${path}: "Sign out" spans ${Math.round(signOut.x)}–${Math.round(signOut.x + signOut.width)} px`,
    );
  }
  // IDs are cut short with the whole ID on hover and a copy button beside them.
  const runIdText = page.locator("[data-truncated-id]", { hasText: runId }).first();
  assert.equal(await runIdText.getAttribute("title"), runId);
  assert.ok(
    await runIdText.evaluate((e) => e.scrollWidth > e.clientWidth),
    "the run ID is truncated on a phone",
  );
  await page.getByRole("button", { name: "Copy run ID" }).first().waitFor();
  assertNoProblems(watched);
  await watched.context.close();
});

test("a subject access request reveals every personal field with one reason, audited once, downloadable as JSON and CSV; missing grants are named", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(
    page,
    w.url,
    w.people.manager.email,
    w.people.manager.password,
    "/actions/payment_confirmation",
  );
  await page.getByRole("textbox", { name: "Payment ID" }).fill("pay_sar1");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const outcome = page.locator("[data-run-outcome]");
  await outcome.getByText("Succeeded").waitFor();
  await outcome.getByRole("link", { name: "Open", exact: true }).click();
  await page.waitForURL(/\/runs\/run_/);
  // The address changes before the run page is on screen: the router keeps the action page (with
  // its own "Reveal all" button in the result) while the run page's code loads.
  await page.locator('section[aria-labelledby="run-params"]').waitFor();
  const runId = page.url().split("/runs/")[1]!;
  assert.equal(await page.getByText("4111111111111111").count(), 0, "masked before");

  await page.getByRole("button", { name: "Reveal all personal data" }).click();
  const dialog = page.getByRole("dialog", { name: "Reveal all personal data" });
  await dialog.getByText("card number", { exact: true }).waitFor();
  await dialog.getByText("email", { exact: true }).waitFor();
  await dialog.getByRole("textbox", { name: "Reason" }).fill("SAR-2291 from the account holder");
  await dialog.getByRole("button", { name: "Reveal all" }).click();
  const shown = dialog.locator("[data-revealed-all]");
  await shown.getByText("4111111111111111").waitFor();
  await shown.getByText("jane.doe@example.com").waitFor();

  const saved = async (button: string) => {
    const [file] = await Promise.all([
      page.waitForEvent("download"),
      dialog.getByRole("button", { name: button }).click(),
    ]);
    return { name: file.suggestedFilename(), text: readFileSync((await file.path())!, "utf8") };
  };
  const json = await saved("Download JSON");
  assert.equal(json.name, `payment_confirmation-${runId}-unmasked.json`);
  const pkg = JSON.parse(json.text);
  assert.equal(pkg.runId, runId);
  assert.deepEqual(pkg.parameters, { paymentId: "pay_sar1" });
  assert.equal(pkg.result.cardNumber, "4111111111111111");
  assert.equal(pkg.result.payerEmail, "jane.doe@example.com");
  const csv = await saved("Download CSV");
  assert.match(csv.text, /^Field,Value\r\n/);
  assert.match(csv.text, /\r\nresult\.cardNumber,4111111111111111\r\n/);
  assert.match(csv.text, /\r\nresult\.payerEmail,jane\.doe@example\.com\r\n/);

  // Audited once, naming the fields and never a value.
  const events = (
    await w.t.airlock.database.pool.query(
      "SELECT reason, data FROM airlock.audit_events WHERE type = 'pii.revealed' AND run_id = $1",
      [runId],
    )
  ).rows;
  assert.equal(events.length, 1);
  assert.equal(events[0].reason, "SAR-2291 from the account holder");
  assert.deepEqual(
    events[0].data.fields.map((f: { path: string }) => f.path),
    ["result.cardNumber", "result.payerEmail"],
  );
  assert.doesNotMatch(JSON.stringify(events), /4111111111111111|jane\.doe/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.equal(await page.getByText("4111111111111111").count(), 0, "masked again once closed");
  assertNoProblems(watched);
  await watched.context.close();

  // Someone who may reveal card numbers only is told what is missing and is not offered it.
  const checker = await w.person("Cass Checker", ["card-checkers"]);
  const other = await b.newPage();
  await signIn(other.page, w.url, checker.email, checker.password, `/runs/${runId}`);
  await other.page
    .getByText("Revealing everything at once needs reveal:email, which you do not hold.")
    .waitFor();
  assert.equal(await other.page.getByRole("button", { name: "Reveal all personal data" }).count(), 0);
  assertNoProblems(other);
  await other.context.close();
});

test("layout at 1440 px: the audit table's request IDs are truncated with a copy button, rows stay one line, no sideways scroll", async () => {
  const watched = await b.newPage();
  const { page, context } = watched;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: w.url });
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, w.url, w.people.auditor.email, w.people.auditor.password, "/audit");
  const rows = page.locator("tr[data-audit-row]");
  await rows.nth(2).waitFor();
  const heights = await rows.evaluateAll((els) =>
    els.map((e) => Math.round(e.getBoundingClientRect().height)),
  );
  assert.ok(Math.max(...heights) <= 60, `row heights ${heights.join(", ")} px (were ~117)`);
  const table = page.getByRole("table", { name: "Audit events" });
  const overflow = await table.evaluate((e) => e.scrollWidth - (e.parentElement?.clientWidth ?? 0));
  assert.ok(overflow <= 1, `the table overflows its box by ${overflow} px`);
  const first = rows.first().locator("[data-truncated-id]");
  const requestId = (await first.getAttribute("title"))!;
  assert.match(requestId, /^req_/);
  assert.equal(await first.textContent(), requestId, "the whole ID is in the text, cut by CSS only");
  await rows.first().getByRole("button", { name: "Copy request ID" }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), requestId);
  assertNoProblems(watched);
  await context.close();
});
