// Personal data and administration in the browser: a card number masked for everyone, revealed
// once, with a reason, by a role allowed to (and audited); the admin pages for users, groups,
// grants, tokens and policy modes; "Sign in with SSO" when the server offers it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { assertAccessible, launchBrowser, screenshot, signIn, type TestBrowser } from "./support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

const CARD = "4111111111111111";
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

async function lookUpPayment(page: Page) {
  await page.getByRole("textbox", { name: "Payment ID" }).fill("pay_7f3k9q");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.locator("[data-run-outcome]").getByText("Succeeded").waitFor();
}

test("an operator sees the card number masked, with no way to reveal it", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(
    page,
    w.url,
    w.people.operator.email,
    w.people.operator.password,
    "/actions/payment_confirmation",
  );
  await lookUpPayment(page);
  const card = page.locator("[data-masked-value='cardNumber']");
  assert.equal(await card.textContent(), "411111••••••1111");
  assert.equal(await page.getByRole("button", { name: /^Reveal/ }).count(), 0);
  assert.equal((await page.content()).includes(CARD), false, "the raw value never reached this page");
  assert.deepEqual(watched.problems, []);
  await watched.context.close();
});

test("a support manager reveals it once, with a reason; it is audited and not kept", async (t) => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(
    page,
    w.url,
    w.people.manager.email,
    w.people.manager.password,
    "/actions/payment_confirmation",
  );
  await lookUpPayment(page);
  await page.locator("[data-masked-value='payerEmail']").filter({ hasText: "j•••@example.com" }).waitFor();
  await screenshot(page, "pii-masked", "[data-run-outcome]");

  await page.getByRole("button", { name: "Reveal Card number" }).click();
  const dialog = page.getByRole("dialog", { name: "Reveal Card number" });
  await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
  await dialog.getByText("Say why you need to see it").waitFor();
  await assertAccessible(page, "reveal dialog");
  const reveal = page.waitForResponse((r) => r.url().endsWith("/reveal"));
  await dialog.getByRole("textbox", { name: "Reason" }).fill("Chargeback dispute, case 5521");
  await dialog.getByRole("button", { name: "Reveal", exact: true }).click();
  const response = await reveal;
  assert.equal(response.headers()["cache-control"], "no-store");
  await dialog.locator("[data-revealed-value]").filter({ hasText: CARD }).waitFor();
  await screenshot(page, "pii-revealed");
  await dialog.getByRole("button", { name: "Hide" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await page.content()).includes(CARD), false, "gone from the page once hidden");

  const audit = await w.t.airlock.database.pool.query<{ reason: string; actor_id: string }>(
    "SELECT reason, actor_id FROM airlock.audit_events WHERE type = 'pii.revealed'",
  );
  assert.deepEqual(audit.rows, [{ reason: "Chargeback dispute, case 5521", actor_id: w.people.manager.id }]);
  t.diagnostic("pii.revealed audited with the reason; the value shown once and dropped");
  assert.deepEqual(watched.problems, []);
  await watched.context.close();
});

test("sign-in offers SSO when the server says single sign-on is configured", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await page.route("**/api/v1/auth/providers", (route) =>
    route.fulfill({ json: { password: true, oidc: { enabled: true, loginUrl: "/auth/oidc/login" } } }),
  );
  await page.goto(`${w.url}/runs`);
  const sso = page.getByRole("link", { name: "Sign in with SSO" });
  await sso.waitFor();
  assert.equal(await sso.getAttribute("href"), "/auth/oidc/login?returnTo=%2Fruns");
  await watched.context.close();
});

test("an admin manages users, groups, grants, tokens and policy modes", async (t) => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, w.people.admin.email, w.people.admin.password);
  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("tab", { name: "Users" }).waitFor();
  await page.getByRole("table", { name: "Users" }).getByText(w.people.operator.name).waitFor();
  await assertAccessible(page, "admin: users");
  await screenshot(page, "admin-users");

  await page.getByRole("button", { name: "Invite a user" }).click();
  const invite = page.getByRole("dialog", { name: "Invite a user" });
  await invite.getByRole("textbox", { name: "Email" }).fill("new.hire@fintech.test");
  await invite.getByRole("textbox", { name: "Name" }).fill("Nina Newhire");
  await invite.getByRole("button", { name: "Invite" }).click();
  await page.getByRole("table", { name: "Users" }).getByText("Nina Newhire").waitFor();

  // Disabling asks first, in the page, naming the person.
  await page.getByRole("button", { name: `Disable ${w.people.auditor.name}` }).click();
  await page
    .getByRole("dialog", { name: `Disable ${w.people.auditor.name}?` })
    .getByRole("button", { name: `Disable ${w.people.auditor.name}` })
    .click();
  await page.getByRole("button", { name: `Enable ${w.people.auditor.name}` }).waitFor();

  await page.getByRole("tab", { name: "Groups" }).click();
  await page.getByRole("button", { name: "support-managers" }).click();
  await page.getByRole("heading", { name: "Members of support-managers" }).waitFor();
  await page
    .getByRole("table", { name: "Members of support-managers" })
    .getByText(w.people.manager.name)
    .waitFor();
  await assertAccessible(page, "admin: groups");

  await page.getByRole("tab", { name: "Grants" }).click();
  await page.getByRole("table", { name: "Grants in code" }).getByText("support-manager").first().waitFor();
  await assertAccessible(page, "admin: grants");

  await page.getByRole("tab", { name: "API tokens" }).click();
  await page.getByRole("textbox", { name: "New token name" }).fill("laptop CLI");
  await page.getByRole("button", { name: "Create token" }).click();
  await page.getByText("Copy your token now").waitFor();
  await page.getByRole("table", { name: "Your tokens" }).getByText("laptop CLI").waitFor();
  await assertAccessible(page, "admin: tokens");

  await page.getByRole("tab", { name: "Policies" }).click();
  await page.getByRole("table", { name: "Approval policies" }).getByText("Issue a credit").waitFor();
  await page
    .getByRole("table", { name: "Approval policies" })
    .getByRole("row", { name: /Issue a credit/ })
    .getByRole("button", { name: "Switch to monitor" })
    .click();
  const mode = page.getByRole("dialog", { name: /Switch the policy “.*” to monitor/ });
  await mode.getByRole("textbox", { name: "Reason" }).fill("Measure before enforcing, change 88");
  await mode.getByRole("button", { name: "Switch to monitor" }).click();
  await mode.waitFor({ state: "hidden" });
  await page
    .getByRole("table", { name: "Approval policies" })
    .getByText("Monitor", { exact: true })
    .waitFor();
  await page
    .getByRole("table", { name: "Monitoring report, last 30 days" })
    .getByText("issue_credit")
    .waitFor();
  await assertAccessible(page, "admin: policies");
  await screenshot(page, "admin-policies");
  t.diagnostic("invited, disabled, group members, grants, a token, a policy mode change");
  assert.deepEqual(watched.problems, []);
  await watched.context.close();
});

test("an operator sees no admin pages; /admin offers only their API tokens", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password);
  assert.equal(await page.getByRole("link", { name: "Admin" }).count(), 0);
  assert.equal(await page.getByRole("link", { name: "Audit" }).count(), 0);
  // Their own tokens are one click away in the account menu.
  await page.getByRole("button", { name: /account menu/ }).click();
  await page.getByRole("menuitem", { name: "API tokens (for the CLI)" }).click();
  await page.getByRole("heading", { name: "API tokens" }).waitFor();
  assert.match(page.url(), /\/admin\/tokens$/);
  await page.goto(`${w.url}/admin/users`);
  await page.getByRole("heading", { name: "API tokens" }).waitFor();
  assert.equal(await page.getByRole("tab", { name: "Users" }).count(), 0);
  assert.deepEqual(watched.problems, []);
  await watched.context.close();
});
