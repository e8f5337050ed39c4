// The Schedules page in a real browser: an operator sees the schedule's timing, service identity,
// next runs and no pause control; an admin pauses it with a reason (the page shows who and why,
// and no next runs), then resumes it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { ownerClient } from "../../src/store/database.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, screenshot, signIn, type TestBrowser } from "../web/support/chromium.ts";
import { TICK_TABLE, tickWorkspace } from "./tick-workspace.ts";

let t: TestAirlock;
let server: Listening;
let b: TestBrowser;
let admin: TestUser & { email: string };
let operator: TestUser & { email: string };

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({
    workspace: tickWorkspace,
    prepare: async (url) => {
      const owner = await ownerClient(url);
      await owner.query(TICK_TABLE);
      await owner.end();
    },
  });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const hash = await hashPassword(PASSWORD);
  admin = await createUser(t.airlock.database.pool, {
    email: "ada.admin@fintech.test",
    name: "Ada Admin",
    groups: ["admins"],
    passwordHash: hash,
  });
  operator = await createUser(t.airlock.database.pool, {
    email: "omar.ops@fintech.test",
    name: "Omar Ops",
    groups: ["ops"],
    passwordHash: hash,
  });
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
});

test("the Schedules page shows next runs; an admin pauses with a reason and resumes, an operator cannot", async () => {
  const viewer = (await b.newPage()).page;
  await signIn(viewer, server.url, operator.email, PASSWORD, "/schedules");
  const row = viewer.locator("[data-schedule='nightly_ticks']");
  await row.getByText("30 2 * * * (Europe/London)").waitFor();
  await row.getByText("as ticker").waitFor();
  await row.getByText("Active", { exact: true }).waitFor();
  assert.equal((await row.getByLabel("Next runs of nightly_ticks").locator("*").count()) > 0, true);
  assert.equal(await row.getByRole("button", { name: "Pause" }).count(), 0);

  const { page } = await b.newPage();
  await signIn(page, server.url, admin.email, PASSWORD, "/schedules");
  const adminRow = page.locator("[data-schedule='nightly_ticks']");
  await adminRow.getByLabel("Reason to pause nightly_ticks").fill("ledger migration tonight");
  await adminRow.getByRole("button", { name: "Pause" }).click();
  await adminRow.getByText("Paused", { exact: true }).waitFor();
  await adminRow.getByText("by Ada Admin: “ledger migration tonight”").waitFor();
  await adminRow.getByText("None while paused").waitFor();
  await screenshot(page, "schedules", "[data-schedule='nightly_ticks']");
  const audited = await t.airlock.database.pool.query(
    "SELECT 1 FROM airlock.audit_events WHERE type = 'schedule.paused' AND actor_id = $1 AND reason = 'ledger migration tonight'",
    [admin.id],
  );
  assert.equal(audited.rowCount, 1);
  await adminRow.getByRole("button", { name: "Resume" }).click();
  await adminRow.getByText("Active", { exact: true }).waitFor();
  await adminRow.getByLabel("Next runs of nightly_ticks").waitFor();
});
