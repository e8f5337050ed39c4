// The admin's Secrets tab: create, replace and delete a secret in the browser; the value is typed
// once into a password field and never comes back to any page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { readSecret } from "../../src/secrets/secret-store.ts";
import {
  axeViolations,
  describeViolations,
  launchBrowser,
  signIn,
  type TestBrowser,
} from "./support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

const VALUE = "postgres://ledger:Browser-Canary-93@ledger.internal/ledger";
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

test("an admin creates, replaces and deletes a secret; the value never reaches a page", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  const pool = w.t.airlock.database.pool;
  await signIn(page, w.url, w.people.admin.email, w.people.admin.password, "/admin/secrets");
  await page.getByRole("tab", { name: "Secrets", selected: true }).waitFor();
  await page.getByText("No secrets.").waitFor();

  await page.getByRole("button", { name: "New secret" }).click();
  const create = page.getByRole("dialog", { name: "New secret" });
  await create.getByRole("textbox", { name: "Name" }).fill("LEDGER_DB_URL");
  await create.getByLabel("Value").fill(VALUE);
  await create.getByRole("textbox", { name: "Owner" }).fill("payments-team");
  await create.getByRole("button", { name: "Create secret" }).click();
  await create.waitFor({ state: "hidden" });
  const row = page.getByRole("table", { name: "Secrets" }).locator("[data-secret='LEDGER_DB_URL']");
  await row.getByText("payments-team").waitFor();
  assert.equal(await readSecret(pool, w.t.airlock.keyring, "LEDGER_DB_URL"), VALUE);
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, describeViolations(violations));

  await row.getByRole("button", { name: "Replace value of LEDGER_DB_URL" }).click();
  const replace = page.getByRole("dialog", { name: "Replace the value of LEDGER_DB_URL" });
  assert.equal(await replace.getByLabel("Value").inputValue(), "", "the old value is not shown");
  await replace.getByLabel("Value").fill(`${VALUE}-2`);
  await replace.getByRole("button", { name: "Replace value" }).click();
  await replace.waitFor({ state: "hidden" });
  await row.getByRole("cell", { name: "2", exact: true }).waitFor();
  assert.equal(await readSecret(pool, w.t.airlock.keyring, "LEDGER_DB_URL"), `${VALUE}-2`);
  assert.equal((await page.content()).includes("Browser-Canary-93"), false);

  await row.getByRole("button", { name: "Delete LEDGER_DB_URL" }).click();
  const remove = page.getByRole("dialog", { name: "Delete LEDGER_DB_URL" });
  await remove.getByRole("button", { name: "Delete secret" }).click();
  await page.getByText("No secrets.").waitFor();
  assert.equal(await readSecret(pool, w.t.airlock.keyring, "LEDGER_DB_URL"), undefined);
  assert.deepEqual(watched.problems, []);
  await watched.context.close();
});
