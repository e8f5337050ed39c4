// Governance in the browser: a policy switch held for a second admin says so in its dialog and
// counts in the other admin's badge; break-glass banners every page and marks the run's six
// questions (which link to the exact action version); a reviewer keeps a member and signs an
// access review off; an admin's token for a service identity is held, then collected once and
// revoked. Real Chromium, the real app, real PostgreSQL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { breakGlassWorkspace } from "../governance/break-glass-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, screenshot, signIn, type TestBrowser } from "./support/chromium.ts";

let t: TestAirlock;
let server: Listening;
let b: TestBrowser;
let ada: TestUser;
let bob: TestUser;
let rex: TestUser;
let mark: TestUser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({ workspace: breakGlassWorkspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const pool = t.airlock.database.pool;
  const passwordHash = await hashPassword(PASSWORD);
  ada = await createUser(pool, { groups: ["admins"], name: "Ada Admin", email: "ada@ui.test", passwordHash });
  bob = await createUser(pool, { groups: ["admins"], name: "Bob Admin", email: "bob@ui.test", passwordHash });
  rex = await createUser(pool, {
    groups: ["readers"],
    name: "Rex Reader",
    email: "rex@ui.test",
    passwordHash,
  });
  mark = await createUser(pool, {
    groups: ["support"],
    name: "Mark Support",
    email: "mark@ui.test",
    passwordHash,
  });
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close();
  await t?.close();
});

test("a policy switch held for a second admin says so in its dialog and counts in the other admin's badge", async () => {
  const { page } = await b.newPage();
  await signIn(page, server.url, ada.email, PASSWORD, "/admin/policies");
  await page.getByRole("button", { name: "Switch to monitor" }).first().click();
  const dialog = page.getByRole("dialog", { name: /Switch the policy “large-credit” to monitor/ });
  await dialog.getByRole("textbox", { name: "Reason" }).fill("Measure before enforcing");
  await dialog.getByRole("button", { name: "Switch to monitor" }).click();
  await dialog.getByText("Held for a second admin").waitFor();
  await dialog
    .getByText(/Switch the policy "large-credit" of issue_credit from enforce to monitor/)
    .waitFor();
  await screenshot(page, "held-policy-switch", "[role=dialog]");

  const other = (await b.newPage()).page;
  await signIn(other, server.url, bob.email, PASSWORD, "/");
  const badge = other.getByLabel("1 waiting for your decision");
  await badge.waitFor();
  assert.equal((await badge.textContent())?.trim(), "1");
});

test("break-glass: a banner on every page; the run's six questions name the elevation and link to its version; an admin completes its post-review", async () => {
  const started = await t.request("/api/v1/break-glass", {
    method: "POST",
    headers: rex.headers,
    body: JSON.stringify({
      role: "incident-responder",
      reason: "INC-7: customers double-charged",
      minutes: 30,
    }),
  });
  assert.equal(started.status, 201, await started.clone().text());
  const ran = await t.request("/api/v1/actions/issue_credit/runs", {
    method: "POST",
    headers: rex.headers,
    body: JSON.stringify({ params: { accountId: "acc_9", amountCents: 900 } }),
  });
  assert.equal(ran.status, 200, await ran.clone().text());
  const runId = ((await ran.json()) as { id: string }).id;

  const { page } = await b.newPage();
  await signIn(page, server.url, rex.email, PASSWORD, `/runs/${runId}`);
  const banner = page.locator("[data-break-glass]");
  await banner.getByText(/You hold the emergency role “incident-responder”/).waitFor();
  const elevation = page.locator("[data-run-elevation]");
  await elevation
    .getByText(/As the emergency role incident-responder: “INC-7: customers double-charged”/)
    .waitFor();
  const version = page.locator("[data-run-version]");
  const href = await version.getAttribute("href");
  const recorded = await t.airlock.database.pool.query<{ version: string }>(
    "SELECT version FROM airlock.action_versions WHERE action = 'issue_credit'",
  );
  assert.equal(href, `/actions/issue_credit#version-${recorded.rows[0]!.version}`);
  await screenshot(page, "break-glass-run");
  await page.goto(`${server.url}/runs`);
  await banner.waitFor();

  // Ended, it waits in the admins' post-review queue; another admin records what they checked.
  const id = ((await started.json()) as { id: string }).id;
  assert.equal(
    (await t.request(`/api/v1/break-glass/${id}/end`, { method: "POST", headers: rex.headers })).status,
    200,
  );
  const admin = (await b.newPage()).page;
  await signIn(admin, server.url, ada.email, PASSWORD, "/admin/reviews");
  const queued = admin.locator(`[data-break-glass-review='${id}']`);
  await queued.getByText("INC-7: customers double-charged").waitFor();
  await queued
    .getByRole("textbox", { name: "What you checked for Rex Reader" })
    .fill("one credit, matches INC-7");
  await queued.getByRole("button", { name: "Mark reviewed" }).click();
  await queued.waitFor({ state: "detached" });
  const reviewed = await t.airlock.database.pool.query(
    "SELECT review_status, reviewed_by FROM airlock.break_glass WHERE id = $1",
    [id],
  );
  assert.deepEqual(reviewed.rows[0], { review_status: "done", reviewed_by: ada.id });
});

test("an access review: the reviewer keeps a member and signs it off", async () => {
  const startedReview = await t.request("/api/v1/access-reviews", {
    method: "POST",
    headers: ada.headers,
    body: JSON.stringify({ group: "support", reviewerId: bob.id }),
  });
  assert.equal(startedReview.status, 201, await startedReview.clone().text());
  const { page } = await b.newPage();
  await signIn(page, server.url, bob.email, PASSWORD, "/admin/reviews");
  const row = page.locator(`[data-review-item='${mark.id}']`);
  await row.getByText("run on tag:billing · last used never").waitFor();
  await row.getByRole("textbox", { name: "Reason for Mark Support" }).fill("still on the desk");
  await row.getByRole("button", { name: "Keep" }).click();
  await row.getByText("keep", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Sign off" }).click();
  await row.getByText("keep · kept").waitFor();
  await screenshot(page, "access-review", "[data-access-review]");
});

test("a service token held for a second admin: the requester collects it once in the web UI, then revokes it", async () => {
  const pool = t.airlock.database.pool;
  const { page } = await b.newPage();
  await signIn(page, server.url, ada.email, PASSWORD, "/admin/tokens");
  await page.getByRole("button", { name: "Create a service token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a token for a service identity" });
  await dialog.getByRole("combobox", { name: "Service identity" }).selectOption({ label: "credit-bot" });
  await dialog.getByRole("textbox", { name: "Token name" }).fill("billing cron");
  await dialog.getByRole("textbox", { name: "Reason" }).fill("the nightly billing job");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await dialog.getByText("Held for a second admin").waitFor();
  await dialog.getByText('Create the API token "billing cron" for the service identity credit-bot').waitFor();
  assert.doesNotMatch((await dialog.textContent()) ?? "", /alk_/);
  await dialog.getByRole("button", { name: "Close", exact: true }).last().click();
  const changeId = (
    await pool.query<{ id: string }>("SELECT id FROM airlock.change_requests WHERE kind = 'token.create'")
  ).rows[0]!.id;
  const row = page.locator(`[data-token-change='${changeId}']`);
  await row.getByText("waiting for a second admin").waitFor();
  assert.equal(await row.getByRole("button", { name: /Collect/ }).count(), 0);

  const approved = await t.request(`/api/v1/changes/${changeId}/approve`, {
    method: "POST",
    headers: bob.headers,
    body: JSON.stringify({ reason: "expected" }),
  });
  assert.equal(approved.status, 200, await approved.clone().text());
  assert.doesNotMatch(await approved.text(), /alk_/);

  await page.reload();
  await row.getByText("approved — collect it").waitFor();
  await row.getByRole("button", { name: `Collect the token of ${changeId}` }).click();
  const shown = page.locator("[data-service-token-shown]");
  const token = (await shown.getByText(/^alk_/).textContent())?.trim() ?? "";
  assert.match(token, /^alk_/);
  await row.getByText("collected").waitFor();
  assert.equal(await row.getByRole("button", { name: /Collect/ }).count(), 0);
  const asBot = { authorization: `Bearer ${token}` };
  assert.equal((await t.request("/api/v1/tokens", { headers: asBot })).status, 200);

  // Shown once: after a reload the token is nowhere on the page and cannot be collected again.
  await page.reload();
  await row.getByText("collected").waitFor();
  assert.ok(!(await page.content()).includes(token));
  assert.equal(await row.getByRole("button", { name: /Collect/ }).count(), 0);

  await page.getByRole("button", { name: "Revoke token billing cron" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke the token" }).click();
  await page.getByText("Token “billing cron” revoked").waitFor();
  assert.equal((await t.request("/api/v1/tokens", { headers: asBot })).status, 401);
});

test("an admin schedules a quarterly access review of the managers and stops it", async () => {
  const { page } = await b.newPage();
  await signIn(page, server.url, ada.email, PASSWORD, "/admin/reviews");
  await page.getByRole("combobox", { name: "Groups to review" }).click();
  await page.getByRole("option", { name: "support-managers", exact: true }).click();
  await page.keyboard.press("Escape");
  await page.getByLabel("Reviewer (the group's owner)").first().click();
  await page.getByRole("option", { name: /^Bob Admin/ }).click();
  await page.getByRole("combobox", { name: "Repeat" }).selectOption("quarterly");
  await page.getByRole("button", { name: "Schedule reviews" }).click();
  const row = page.locator("[data-recurring-review]");
  await row.getByText("0 9 1 1,4,7,10 * UTC").waitFor();
  const scheduled = await t.airlock.database.pool.query<{ id: string; cron: string; groups: string[] }>(
    "SELECT id, cron, groups FROM airlock.access_review_schedules WHERE status = 'active'",
  );
  assert.equal(scheduled.rows.length, 1);
  assert.deepEqual(scheduled.rows[0]!.groups, ["support-managers"]);
  await row.getByText("support-managers").waitFor();
  await row.getByRole("button", { name: "Stop" }).click();
  await row.waitFor({ state: "detached" });
  const stopped = await t.airlock.database.pool.query(
    "SELECT status FROM airlock.access_review_schedules WHERE id = $1",
    [scheduled.rows[0]!.id],
  );
  assert.equal(stopped.rows[0].status, "stopped");
});

test("a recurring review whose admin was disabled says it is stalled; another admin takes it over", async () => {
  const pool = t.airlock.database.pool;
  const cal = await createUser(pool, {
    groups: ["admins"],
    name: "Cal Admin",
    email: "cal@ui.test",
    passwordHash: await hashPassword(PASSWORD),
  });
  const created = await t.post(
    "/api/v1/access-reviews/schedules",
    { highRisk: true, reviewerId: bob.id },
    cal.headers,
  );
  assert.equal(created.status, 201, await created.clone().text());
  const id = ((await created.json()) as { id: string }).id;
  const disabled = await t.post(`/api/v1/admin/users/${cal.id}/disable`, {}, bob.headers);
  assert.equal(disabled.status, 200, await disabled.clone().text());

  const { page } = await b.newPage();
  await signIn(page, server.url, bob.email, PASSWORD, "/admin/reviews");
  const row = page.locator(`[data-recurring-review='${id}']`);
  await row
    .getByText("Stalled: Cal Admin is disabled, so its ticks are refused (review.schedule_stalled).")
    .waitFor();
  await row.getByRole("button", { name: "Take over" }).click();
  await row.locator("[data-stalled]").waitFor({ state: "detached" });
  // The "Runs as" column now names Bob.
  assert.equal(await row.locator("td").nth(4).textContent(), "Bob Admin");
  const runsAs = await pool.query<{ runs_as: string }>(
    "SELECT runs_as FROM airlock.access_review_schedules WHERE id = $1",
    [id],
  );
  assert.equal(runsAs.rows[0]!.runs_as, bob.id);
  await row.getByRole("button", { name: "Stop" }).click();
  await row.waitFor({ state: "detached" });
});
