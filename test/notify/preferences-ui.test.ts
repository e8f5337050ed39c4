// The notification settings page in a real browser: a person turns an email off for themselves;
// the switch says it is now their own choice, and the server keeps it (the notifier honours it:
// test/notify/email.test.ts).
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

test("a person turns off the approval-needed email from the user menu's Notification settings", async () => {
  const { page } = await b.newPage();
  const manager = w.people.manager;
  await signIn(page, w.url, manager.email, manager.password, "/");
  await page.getByRole("button", { name: new RegExp(manager.name) }).click();
  await page.getByRole("menuitem", { name: "Notification settings" }).click();
  await page.waitForURL(/\/settings\/notifications$/);
  const email = page.getByRole("switch", { name: "Email: A request waits for my approval" });
  assert.equal(await email.isChecked(), true, "on by default");
  await email.click({ force: true });
  const row = page.getByRole("row", { name: /A request waits for my approval/ });
  await row.getByText("your choice").waitFor();
  assert.equal(await email.isChecked(), false);

  const stored = await w.t.airlock.database.pool.query(
    "SELECT enabled FROM airlock.notification_preferences WHERE user_id = $1 AND event_type = 'approval.requested' AND channel = 'email'",
    [manager.id],
  );
  assert.deepEqual(stored.rows, [{ enabled: false }]);
  // The others are untouched.
  const other = page.getByRole("switch", { name: "Email: My request was decided" });
  assert.equal(await other.isChecked(), true);
});
