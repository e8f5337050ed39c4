// Governance on the demo workspace as `npm start` serves it (demo mode: its people sign in with
// "demo", its past is recorded): issue_credit's page shows what changed from the version deployed
// before October, and an admin starts a review of every grant on high-risk actions with its
// checkbox and sees exactly the groups that hold such grants. Real Chromium, the real app.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { type DemoAirlock, startDemoAirlock } from "../demo/demo-airlock-money.ts";
import { launchBrowser, signIn, type TestBrowser } from "./support/chromium.ts";

const DEMO_PASSWORD = "demo";
let demo: DemoAirlock;
let server: Listening;
let b: TestBrowser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  demo = await startDemoAirlock({ env: { AIRLOCK_DEMO: "true" } });
  server = await listen(demo.t.airlock.app, "127.0.0.1", 0);
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close(100);
  await demo?.close();
});

test("the demo's issue_credit page shows its earlier version and what changed: the limit, the threshold's condition", async () => {
  const { page } = await b.newPage();
  await signIn(page, server.url, "sam.support@airlock.demo", DEMO_PASSWORD, "/actions/issue_credit");
  const panel = page.locator("[data-action-versions]");
  await panel.locator("[data-version]").nth(1).waitFor();
  const entries = panel.locator("[data-version]");
  assert.equal(await entries.count(), 2);
  // Newest first: today's version, marked current, with what changed from September's.
  const current = entries.nth(0);
  await current.getByText("current").waitFor();
  await current
    .locator("[data-version-change='params.properties.amountCents.maximum']")
    .getByText("200000 → 500000")
    .waitFor();
  const condition = current.locator("[data-version-change='policies.issue_credit.approval.condition']");
  assert.match(
    (await condition.textContent()) ?? "",
    /p\.amountCents > 25_000.*→.*p\.amountCents > CREDIT_APPROVAL_ABOVE_CENTS/s,
  );
  // The earlier one: deployed in September, nothing before it to compare with.
  const earlier = entries.nth(1);
  assert.match((await earlier.textContent()) ?? "", /deployed Sep 1[34], 2026/);
  assert.equal(await earlier.locator("[data-version-change]").count(), 0);
  assert.equal(await earlier.getByText("current").count(), 0);
});

test("the high-risk checkbox starts one review of exactly the groups holding grants on high-risk actions", async () => {
  const { page } = await b.newPage();
  await signIn(page, server.url, "ada.admin@airlock.demo", DEMO_PASSWORD, "/admin/reviews");
  const groupsField = page.getByRole("combobox", { name: "Groups to review" });
  await page.getByRole("checkbox", { name: "Every grant on high-risk actions" }).check();
  // With the box ticked the scope is the high-risk grants, not a choice of groups.
  assert.equal(await groupsField.isDisabled(), true);
  await page.getByLabel("Reviewer (the group's owner)").first().click();
  await page.getByRole("option", { name: /^Cora Compliance/ }).click();
  await page.getByRole("button", { name: "Start review" }).click();

  const review = page.locator("[data-access-review]").first();
  await review.getByText("Every grant on high-risk actions · reviewer Cora Compliance").waitFor();
  await review.locator("[data-review-group]").first().waitFor();
  const shown = new Set(
    await review
      .locator("[data-review-group]")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-review-group"))),
  );
  // support runs only medium-risk actions: not in it. The others hold run, approve or reveal on a
  // high or critical action (or admin on everything).
  assert.deepEqual([...shown].sort(), ["admins", "compliance", "ops", "risk", "support-managers"]);
  await review.locator("[data-review-item]", { hasText: "Maya Manager" }).first().waitFor();
  assert.equal(await review.locator("[data-review-item]", { hasText: "Sam Support" }).count(), 0);
  // The box is cleared for the next review.
  assert.equal(
    await page.getByRole("checkbox", { name: "Every grant on high-risk actions" }).isChecked(),
    false,
  );
});
