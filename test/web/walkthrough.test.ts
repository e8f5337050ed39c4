// The README's "Five minutes with the demo" (steps 1–5) in Chromium on the demo workspace, timed
// as a person would do it: typing at 10 characters a second, no think time, every click counted.
// It must take fewer than 24 clicks, never reload the page, and show each result on screen
// without scrolling (docs/ui.md). Prints the clicks and the time it took.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Locator } from "playwright-core";
import { launchBrowser, type TestBrowser } from "./support/chromium.ts";
import { type DemoWebAirlock, startDemoWebAirlock } from "./support/demo-web-airlock.ts";

const KEY_DELAY_MS = 100; // 10 characters a second

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

test("the README walkthrough: fewer than 24 clicks at 10 characters/s, no reload, every result on screen", async () => {
  const watched = await b.newPage();
  const { page } = watched;
  let clicks = 0;
  const click = async (target: Locator) => {
    clicks++;
    await target.click();
  };
  const type = (target: Locator, text: string) => target.pressSequentially(text, { delay: KEY_DELAY_MS });
  /** A result is shown where the person looks: inside the viewport, no scrolling needed. */
  const onScreen = async (target: Locator, what: string) => {
    await target.waitFor();
    await page.waitForTimeout(400); // the outcome scrolls itself into view smoothly
    const box = await target.boundingBox();
    const viewport = page.viewportSize()!;
    assert.ok(box, `${what} is rendered`);
    assert.ok(
      box.y >= 0 && box.y < viewport.height - 40,
      `${what} starts on screen (top at ${Math.round(box.y)} px of ${viewport.height})`,
    );
  };
  const signInAs = async (email: string) => {
    await type(page.getByLabel("Email"), email);
    await type(page.getByLabel(/^Password/), w.people.sam!.password);
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: /account menu$/ }).waitFor();
  };
  const signOut = async () => {
    await click(page.getByRole("button", { name: /account menu$/ }));
    await click(page.getByRole("menuitem", { name: "Sign out" }));
    await page.getByRole("heading", { name: "Sign in to Airlock" }).waitFor();
  };

  const started = performance.now();
  await page.goto(w.url);
  await page.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });

  // 1. Sam issues a $50 credit: the catalog search, the account picked by name, the result at once.
  await signInAs(w.people.sam!.email);
  await page.keyboard.press("/");
  await type(page.getByRole("searchbox").first(), "credit");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Issue a goodwill credit" }).waitFor();
  const account = page.getByRole("combobox", { name: "Account" });
  await click(account);
  await type(account, "Alice");
  await click(page.getByRole("option", { name: /acc_demo_alice/ }));
  await type(page.getByRole("textbox", { name: "Amount" }), "50");
  await type(page.getByRole("textbox", { name: /^Reason/ }), "Outage");
  await click(page.getByRole("button", { name: "Run", exact: true }));
  await onScreen(page.locator("[data-run-outcome]").getByText("Balance").first(), "the new balance");

  // 2. He requests a $250 one: the same form, a new amount; it waits for a manager.
  const amount = page.getByRole("textbox", { name: "Amount" });
  await click(amount);
  await page.keyboard.press("ControlOrMeta+a");
  await type(amount, "250");
  await click(page.getByRole("button", { name: /^Run/ }));
  await onScreen(
    page
      .locator("[data-run-outcome]")
      .getByText(/Waiting for approval/)
      .first(),
    "waiting for approval",
  );
  await click(page.getByRole("link", { name: /^Approvals/ }).first());
  await click(page.getByRole("tab", { name: /My requests/ }));
  await page
    .getByRole("link", { name: /Issue a goodwill credit/ })
    .first()
    .waitFor();
  await signOut();

  // 3. Maya approves it from her inbox.
  await signInAs(w.people.maya!.email);
  await click(page.getByRole("link", { name: /^Approvals/ }).first());
  await click(page.getByRole("link", { name: /Issue a goodwill credit/ }).first());
  await type(page.getByRole("textbox", { name: "Reason" }), "Checked");
  await click(page.getByRole("button", { name: "Approve", exact: true }));
  await onScreen(page.locator("[data-decision-outcome]").getByText("Succeeded"), "the run's outcome");
  await signOut();

  // 4. Cora reads the run: the six questions.
  await signInAs(w.people.cora!.email);
  await click(page.getByRole("link", { name: "Runs", exact: true }).first());
  await click(page.locator("tr[data-run-row]", { hasText: "$250.00" }).getByRole("link").first());
  await onScreen(page.getByText("Maya Manager").first(), "who approved");

  // 5. And verifies the trail.
  await click(page.getByRole("link", { name: "Audit", exact: true }).first());
  await click(page.getByRole("button", { name: "Verify integrity" }));
  await onScreen(page.locator("[data-verify-result=ok]"), "the verification");

  const seconds = (performance.now() - started) / 1000;
  console.log(`README walkthrough: ${clicks} clicks, ${seconds.toFixed(1)} s (under this machine's load)`);
  assert.ok(clicks < 24, `${clicks} clicks`);
  assert.equal(
    await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
    true,
    "the page never reloaded",
  );
  assert.deepEqual(watched.problems, [], "no console errors, page errors or CSP violations");
  await watched.context.close();
});
