// The notification settings page in a real browser: a person turns an email off for themselves;
// the switch says it is now their own choice, and the server keeps it (the notifier honours it:
// test/notify/email.test.ts). And Slack: the one-time link `/airlock link` gives opens the page,
// which links only when the person clicks "Link my Slack account"; then Unlink. The header's
// bell: a decided request appears there without a reload, and not once its in-app switch is off.
// An admin sets a group's default in the group defaults table.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { slackSignature } from "../../src/integrations/slack/slack-signature.ts";
import { type SlackStandIn, startSlackStandIn } from "../integrations/slack-stand-in.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "../web/support/web-airlock.ts";

const TOKEN = "xoxb-test-0000-settings";
const SECRET = "a-signing-secret-of-the-settings-test";
const TEAM = "T0SETTINGS";

let w: WebAirlock;
let b: TestBrowser;
let slack: SlackStandIn;

before(async () => {
  slack = await startSlackStandIn(TOKEN);
  w = await startWebAirlock({
    AIRLOCK_SLACK_BOT_TOKEN: TOKEN,
    AIRLOCK_SLACK_SIGNING_SECRET: SECRET,
    AIRLOCK_SLACK_CHANNEL: "C0SETTINGS",
    AIRLOCK_SLACK_API_URL: slack.url,
  });
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await w?.close();
  await slack?.close();
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

test("the one-time link from /airlock link links the person's Slack account only when they confirm it; Unlink undoes it", async () => {
  const manager = w.people.manager;
  slack.users.set("U0SETMGR", { id: "U0SETMGR", teamId: TEAM, email: manager.email });
  const body = new URLSearchParams({
    team_id: TEAM,
    user_id: "U0SETMGR",
    command: "/airlock",
    text: "link",
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await w.t.request("/api/v1/integrations/slack/commands", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(SECRET, timestamp, body),
    },
    body,
  });
  const link = /(\/settings\/notifications#slack-link=[\w-]+)/.exec((await res.json()).text)![1]!;
  const links = () =>
    w.t.airlock.database.pool.query("SELECT slack_user_id FROM airlock.slack_links WHERE user_id = $1", [
      manager.id,
    ]);

  const { page } = await b.newPage();
  await signIn(page, w.url, manager.email, manager.password, link);
  const request = page.locator("[data-slack-link-request]");
  await request.waitFor();
  assert.deepEqual((await links()).rows, [], "opening the link links nothing");
  await request.getByRole("button", { name: "Link my Slack account" }).click();
  await page.locator('[data-slack-linked="U0SETMGR"]').waitFor();
  assert.equal(await request.count(), 0);
  assert.deepEqual((await links()).rows, [{ slack_user_id: "U0SETMGR" }]);

  await page.getByRole("button", { name: "Unlink Slack" }).click();
  await page.locator("[data-slack-not-linked]").waitFor();
  assert.deepEqual((await links()).rows, []);
  assert.deepEqual(slack.refused, []);
});

async function requestCredit(note: string): Promise<string> {
  const res = await fetch(`${w.url}/api/v1/actions/issue_credit/runs`, {
    method: "POST",
    headers: { ...w.people.operator.headers, "content-type": "application/json" },
    body: JSON.stringify({
      params: { accountId: "acc_1002", amountCents: 25_000, note },
      reason: "Customer escalation",
    }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const run = (await res.json()) as { id: string };
  const row = await w.t.airlock.database.pool.query<{ approval_request_id: string }>(
    "SELECT approval_request_id FROM airlock.runs WHERE id = $1",
    [run.id],
  );
  return row.rows[0]!.approval_request_id;
}

async function decide(approvalId: string, verb: "approve" | "reject"): Promise<void> {
  const res = await fetch(`${w.url}/api/v1/approvals/${approvalId}/${verb}`, {
    method: "POST",
    headers: { ...w.people.manager.headers, "content-type": "application/json" },
    body: JSON.stringify(verb === "reject" ? { reason: "not this week" } : {}),
  });
  assert.equal(res.status, 200, await res.clone().text());
}

test("the bell: the requester sees their decided request without a reload, opens it, it is read; with the in-app switch off the next one does not come", async () => {
  const { page } = await b.newPage();
  const operator = w.people.operator;
  const streamOpened = page.waitForResponse((r) => r.url().includes("/api/v1/events/stream"), {
    timeout: 30_000,
  });
  await signIn(page, w.url, operator.email, operator.password, "/runs");
  assert.equal((await streamOpened).status(), 200);
  const bell = page.locator("[data-notification-bell]");
  assert.equal(await bell.getAttribute("aria-label"), "Notifications", "nothing unread yet");

  const first = await requestCredit("bell test one");
  await decide(first, "approve");
  // No reload: the stream's notification.created refreshes the bell.
  await page.getByRole("button", { name: "Notifications, 1 unread" }).waitFor({ timeout: 15_000 });
  await bell.click();
  const item = page.getByRole("listitem").filter({ hasText: "Approved: Issue a credit" });
  await item.waitFor();
  assert.equal(await item.getAttribute("data-unread"), "true");
  await item.click();
  await page.waitForURL(new RegExp(`/approvals/${first}$`));
  await page.getByRole("button", { name: "Notifications", exact: true }).waitFor();
  const read = await w.t.airlock.database.pool.query(
    "SELECT read_at IS NOT NULL AS read FROM airlock.notifications WHERE channel = 'in_app' AND approval_request_id = $1 AND recipient_id = $2",
    [first, operator.id],
  );
  assert.deepEqual(read.rows, [{ read: true }]);

  // The in-app switch for decisions, off in the settings table.
  await page.goto(`${w.url}/settings/notifications`);
  const inApp = page.getByRole("switch", { name: "In app: My request was decided" });
  assert.equal(await inApp.isChecked(), true);
  await inApp.click({ force: true });
  await page
    .getByRole("row", { name: /My request was decided/ })
    .getByText("your choice")
    .waitFor();
  const second = await requestCredit("bell test two");
  await decide(second, "reject");
  await w.t.airlock.approvals.events.drain();
  const rows = await w.t.airlock.database.pool.query(
    "SELECT channel FROM airlock.notifications WHERE approval_request_id = $1 AND event_type = 'approval.decided' AND recipient_id = $2",
    [second, operator.id],
  );
  assert.deepEqual(rows.rows, [], "no in-app notification was written");
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(await bell.getAttribute("aria-label"), "Notifications");
  await bell.click();
  assert.equal(await page.getByRole("listitem").filter({ hasText: "Rejected: Issue a credit" }).count(), 0);
});

test("an admin sets a group's default in the group defaults table; a member without a choice of their own follows it", async () => {
  const { page } = await b.newPage();
  const admin = w.people.admin;
  await signIn(page, w.url, admin.email, admin.password, "/settings/notifications");
  await page.getByRole("combobox", { name: "Group" }).click();
  await page.getByRole("option", { name: "support", exact: true }).click();
  const slackDefault = page.getByRole("switch", { name: "support default, Slack: My run failed" });
  assert.equal(await slackDefault.isChecked(), true, "on unless set");
  await slackDefault.click({ force: true });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stored = await w.t.airlock.database.pool.query(
      "SELECT enabled FROM airlock.group_notification_defaults WHERE group_name = 'support' AND event_type = 'run.failed' AND channel = 'slack'",
    );
    if (stored.rows.length > 0) {
      assert.deepEqual(stored.rows, [{ enabled: false }]);
      break;
    }
    if (Date.now() > deadline) assert.fail("the default was not stored");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const member = await fetch(`${w.url}/api/v1/me/notification-preferences`, {
    headers: w.people.operator.headers,
  });
  const body = (await member.json()) as { preferences: { eventType: string; channel: string }[] };
  assert.deepEqual(
    body.preferences.find((p) => p.eventType === "run.failed" && p.channel === "slack"),
    { eventType: "run.failed", channel: "slack", enabled: false, source: "group" },
  );
});

test("a Slack switch turned off in the settings table stops that person's Slack direct message", async () => {
  const operator = w.people.operator;
  const pool = w.t.airlock.database.pool;
  await pool.query(
    `INSERT INTO airlock.slack_links (slack_team_id, slack_user_id, user_id, verified_by, linked_by)
     VALUES ($1, 'U0SETOPS', $2, 'email', $2)`,
    [TEAM, operator.id],
  );
  const slackDms = async (approvalId: string) => {
    await w.t.airlock.approvals.events.drain();
    const { rows } = await pool.query(
      "SELECT address FROM airlock.notifications WHERE channel = 'slack' AND approval_request_id = $1 AND event_type = 'approval.decided' AND recipient_id = $2",
      [approvalId, operator.id],
    );
    return rows;
  };
  const first = await requestCredit("slack switch one");
  await decide(first, "approve");
  assert.deepEqual(await slackDms(first), [{ address: "U0SETOPS" }], "on: the decision comes to Slack");

  const { page } = await b.newPage();
  await signIn(page, w.url, operator.email, operator.password, "/settings/notifications");
  const slackSwitch = page.getByRole("switch", { name: "Slack: My request was decided" });
  assert.equal(await slackSwitch.isChecked(), true);
  await slackSwitch.click({ force: true });
  await page.waitForFunction(
    () =>
      (document.querySelector('[aria-label="Slack: My request was decided"]') as HTMLInputElement | null)
        ?.checked === false,
  );
  const stored = async () =>
    (
      await pool.query(
        "SELECT enabled FROM airlock.notification_preferences WHERE user_id = $1 AND event_type = 'approval.decided' AND channel = 'slack'",
        [operator.id],
      )
    ).rows;
  for (let i = 0; i < 100 && (await stored()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await stored(), [{ enabled: false }]);

  const second = await requestCredit("slack switch two");
  await decide(second, "reject");
  assert.deepEqual(await slackDms(second), [], "off: no Slack direct message");
  assert.deepEqual(slack.refused, []);
});

test("the bell shows the newest 50 and Load more brings the older ones, each once", async () => {
  const reader = await w.person("Pia Pager", ["support"]);
  await w.t.airlock.database.pool.query(
    `INSERT INTO airlock.notifications
       (id, event_id, event_type, channel, recipient_id, address, subject, body_text, content, status, delivered_at, created_at)
     SELECT 'pager_' || lpad(i::text, 2, '0'), 800000 + i, 'approval.decided', 'in_app', $1, $1,
            'Paged ' || lpad(i::text, 2, '0'), 'text', '{"path":"/approvals"}', 'delivered', now(),
            now() - make_interval(mins => i)
       FROM generate_series(1, 60) AS i`,
    [reader.id],
  );
  const { page } = await b.newPage();
  await signIn(page, w.url, reader.email, reader.password, "/runs");
  await page.getByRole("button", { name: "Notifications, 60 unread" }).click();
  const list = page.getByRole("list", { name: "Your notifications" });
  await list.getByText("Paged 01", { exact: true }).waitFor();
  assert.equal(await list.getByRole("listitem").count(), 50, "the newest page");
  assert.equal(await list.getByText("Paged 51", { exact: true }).count(), 0);
  await list.getByRole("button", { name: "Load more" }).click();
  await list.getByText("Paged 60", { exact: true }).waitFor();
  const subjects = await list.locator("[data-notification] p:first-child").allTextContents();
  assert.equal(await list.getByRole("listitem").count(), 60, "each once");
  assert.deepEqual(
    [...new Set(subjects)].sort(),
    Array.from({ length: 60 }, (_, i) => `Paged ${String(i + 1).padStart(2, "0")}`),
  );
  assert.equal(await list.getByRole("button", { name: "Load more" }).count(), 0, "nothing older");
});
