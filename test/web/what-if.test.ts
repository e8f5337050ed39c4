// Policy what-if in the admin console: an admin drafts a higher threshold for the credit policy,
// replays the last 30 days, and sees which past run would no longer have needed approval.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { launchBrowser, screenshot, signIn, type TestBrowser } from "./support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

let w: WebAirlock;
let b: TestBrowser;
const runs: Record<number, string> = {};

before(async () => {
  w = await startWebAirlock();
  b = await launchBrowser();
  for (const amountCents of [50_00, 150_00, 500_00]) {
    const res = await w.t.post(
      "/api/v1/actions/issue_credit/runs",
      { params: { accountId: "acc_1001", amountCents, note: "Goodwill after the outage" } },
      { ...w.people.operator.headers, "Idempotency-Key": randomUUID() },
    );
    assert.ok(res.status === 200 || res.status === 202, `${res.status} ${await res.clone().text()}`);
    runs[amountCents] = ((await res.json()) as { id: string }).id;
  }
});
after(async () => {
  await b?.close();
  await w?.close();
});

test("an admin replays a higher threshold and sees the run that would no longer need approval", async () => {
  const { page } = await b.newPage();
  await signIn(page, w.url, w.people.admin.email, w.people.admin.password, "/admin/policies");
  await page.getByRole("button", { name: "What if: issue_credit.approval" }).click();
  const dialog = page.getByRole("dialog", { name: "What if: issue_credit.approval" });
  await dialog.getByRole("combobox", { name: "Parameter" }).click();
  await page.getByRole("option", { name: "amountCents" }).click();
  await dialog.getByRole("textbox", { name: "Value" }).fill("30000");
  await dialog.getByRole("button", { name: "Replay the draft" }).click();
  const result = dialog.locator("[data-what-if-result]");
  await result.getByText("3 runs in the last 30 days").waitFor();
  assert.equal(await result.locator("[data-gated-now]").textContent(), "2 need approval");
  assert.equal(await result.locator("[data-gated-draft]").textContent(), "1 would need approval");
  const changed = result.locator(`[data-changed-run='${runs[150_00]}']`);
  await changed.getByText("Would no longer need approval").waitFor();
  await changed.getByText("Olivia Ortiz").waitFor();
  assert.equal(await result.locator("[data-changed-run]").count(), 1);
  await screenshot(page, "policy-what-if", "[data-what-if-result]");

  // Nothing changed: the policy is still enforced with its code condition.
  const policies = await w.t.request("/api/v1/policies", { headers: w.people.admin.headers });
  const policy = ((await policies.json()) as { policies: { name: string; mode: string }[] }).policies.find(
    (p) => p.name === "issue_credit.approval",
  );
  assert.equal(policy?.mode, "enforce");
});

test("a draft whose reviewers hold no approve grant warns that gated runs could not reach the quorum", async () => {
  const { page } = await b.newPage();
  await signIn(page, w.url, w.people.admin.email, w.people.admin.password, "/admin/policies");
  await page.getByRole("button", { name: "What if: issue_credit.approval" }).click();
  const dialog = page.getByRole("dialog", { name: "What if: issue_credit.approval" });
  await dialog.getByText("Every run", { exact: true }).click();
  await dialog.getByRole("combobox", { name: "Reviewer group" }).click();
  await page.getByRole("option", { name: "support", exact: true }).click();
  await dialog.getByRole("button", { name: "Replay the draft" }).click();
  const result = dialog.locator("[data-what-if-result]");
  // Support holds run, not approve, on credits: no one could approve under that draft.
  await result.getByText("Reviewers cannot reach the quorum").waitFor();
  assert.equal(await result.locator("[data-gated-draft]").textContent(), "3 would need approval");
});
