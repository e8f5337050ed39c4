// Change requests in the approvals inbox: one admin asks to add a person to the reviewer group;
// the other admin sees it under "Access and policy changes" and approves it there; the requester
// is never offered Approve on their own change.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, screenshot, signIn, type TestBrowser } from "./support/chromium.ts";
import { type Person, startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

let w: WebAirlock;
let b: TestBrowser;
let second: Person;

before(async () => {
  w = await startWebAirlock();
  b = await launchBrowser();
  second = await w.person("Alex Admin", ["admins"]);
});
after(async () => {
  await b?.close();
  await w?.close();
});

test("an admin's change waits in the other admin's inbox and is applied when they approve it", async () => {
  const pool = w.t.airlock.database.pool;
  const group = (
    await pool.query<{ id: string }>("SELECT id FROM airlock.groups WHERE name = 'support-managers'")
  ).rows[0]!.id;
  const held = await w.t.request(`/api/v1/admin/groups/${group}/members`, {
    method: "POST",
    headers: second.headers,
    body: JSON.stringify({ userId: w.people.operator.id, reason: "Olivia covers approvals next week" }),
  });
  assert.equal(held.status, 202);
  const changeId = ((await held.json()) as { changeRequest: { id: string } }).changeRequest.id;

  const own = (await b.newPage()).page;
  await signIn(own, w.url, second.email, second.password, "/approvals");
  const ownRow = own.locator(`[data-change-row='${changeId}']`);
  await ownRow.getByText("your own change").waitFor();
  assert.equal(await ownRow.getByRole("button", { name: "Approve change" }).count(), 0);

  const { page } = await b.newPage();
  await signIn(page, w.url, w.people.admin.email, w.people.admin.password, "/approvals");
  const row = page.locator(`[data-change-row='${changeId}']`);
  await row.getByText(/Add olivia\.ortiz@fintech\.test to the group "support-managers"/).waitFor();
  await row.getByText("“Olivia covers approvals next week”").waitFor();
  await screenshot(page, "change-request-inbox", "[data-change-requests]");
  await row.getByRole("button", { name: "Approve change" }).click();
  await row.waitFor({ state: "detached" });
  const member = await pool.query(
    `SELECT 1 FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id
      WHERE g.name = 'support-managers' AND m.user_id = $1`,
    [w.people.operator.id],
  );
  assert.equal(member.rowCount, 1);
});

test("the action's page lists its versions, what changed from the one before, and their runs", async () => {
  const pool = w.t.airlock.database.pool;
  const current = await pool.query<{ definition: Record<string, unknown> }>(
    "SELECT definition FROM airlock.action_versions WHERE action = 'issue_credit'",
  );
  // An earlier deployment, as it would have been recorded: the same action with a looser risk.
  const earlier = { ...current.rows[0]!.definition, risk: "medium" };
  await pool.query(
    "INSERT INTO airlock.action_versions (action, version, definition, first_seen_at) VALUES ('issue_credit', 'v0earlier000', $1, now() - interval '3 days')",
    [JSON.stringify(earlier)],
  );
  const { page } = await b.newPage();
  await signIn(page, w.url, w.people.operator.email, w.people.operator.password, "/actions/issue_credit");
  const panel = page.locator("[data-action-versions]");
  await panel.getByText("v0earlier000").waitFor();
  await panel.getByText("current").waitFor();
  await panel.locator("[data-version-change='risk']").getByText("medium → high").waitFor();
});
