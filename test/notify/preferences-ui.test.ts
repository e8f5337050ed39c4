// The notification settings page in a real browser: a person turns an email off for themselves;
// the switch says it is now their own choice, and the server keeps it (the notifier honours it:
// test/notify/email.test.ts). And Slack: the one-time link `/airlock link` gives opens the page,
// which links only when the person clicks "Link my Slack account"; then Unlink.
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
