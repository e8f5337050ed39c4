// The Webhooks page in a real browser: an admin registers a webhook (the signing secret shown
// once, then never again on any page), disables it, enables it and deletes it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "../web/support/web-airlock.ts";

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

test("an admin registers a webhook (secret shown once), disables, enables and deletes it", async () => {
  const { page } = await b.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await signIn(page, w.url, w.people.admin.email, w.people.admin.password, "/webhooks");
  await page.getByRole("button", { name: "Register a webhook" }).click();
  const dialog = page.getByRole("dialog", { name: "Register a webhook" });
  await dialog.getByRole("textbox", { name: "URL" }).fill("http://127.0.0.1:9/ops-bus");
  await dialog.getByRole("textbox", { name: "Description" }).fill("ops bus");
  // A loopback URL needs the admin's explicit "internal".
  await dialog.getByRole("button", { name: "Register" }).click();
  await dialog.getByText(/mark the webhook internal/).waitFor();
  await dialog.getByRole("checkbox", { name: /Internal/ }).check();
  await dialog.getByRole("button", { name: "Register" }).click();
  await dialog.getByText("Registered: copy the signing secret now").waitFor();
  const secret = (await dialog.getByText(/^whsec_/).textContent())?.trim() ?? "";
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{20,}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await page.content()).includes(secret), false, "the secret is not shown again");

  await page.getByText("http://127.0.0.1:9/ops-bus").click();
  await page.getByRole("button", { name: "Disable http://127.0.0.1:9/ops-bus" }).click();
  await page.getByText("disabled", { exact: true }).waitFor();
  const pool = w.t.airlock.database.pool;
  const row = async () =>
    (
      await pool.query("SELECT id, disabled_at FROM airlock.webhooks WHERE url = $1", [
        "http://127.0.0.1:9/ops-bus",
      ])
    ).rows[0];
  assert.ok((await row()).disabled_at);
  await page.getByRole("button", { name: "Enable http://127.0.0.1:9/ops-bus" }).click();
  await page.getByText("disabled", { exact: true }).waitFor({ state: "detached" });
  assert.equal((await row()).disabled_at, null);
  await page.getByRole("button", { name: "Delete http://127.0.0.1:9/ops-bus" }).click();
  await page.getByText("No webhook is registered.").waitFor();
  assert.equal(await row(), undefined);
  assert.equal((await page.content()).includes(secret), false);
});
