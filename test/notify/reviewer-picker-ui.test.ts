// The run form's Reviewers picker in a real browser: on an action whose policy lets the requester
// choose, the operator picks one reviewer from the options the server offers and sends the run;
// the request stores that pick (and the server, not the form, decided what could be picked).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";

const workspace = defineWorkspace({
  name: "picker",
  actions: [
    defineAction({
      name: "refund_pick",
      title: "Refund a payment",
      tags: ["lab"],
      params: z.object({ payment: z.string().min(3).meta({ label: "Payment" }) }),
      approval: { reviewers: { groups: ["leads"] }, requesterChoosesReviewers: true },
      handler: (p) => ({ refunded: p.payment }),
    }),
  ],
  roles: { agent: { groups: ["agents"] }, lead: { groups: ["leads"] } },
  grants: [
    { to: "agent", verbs: ["view", "run"], on: { tag: "lab" } },
    { to: "lead", verbs: ["view", "approve"], on: { tag: "lab" } },
  ],
});

let t: TestAirlock;
let server: Listening;
let b: TestBrowser;
let agent: TestUser;
let lead2: TestUser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({ workspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const pool = t.airlock.database.pool;
  const passwordHash = await hashPassword(PASSWORD);
  agent = await createUser(pool, {
    groups: ["agents"],
    name: "Ana Agent",
    email: "ana@picker.test",
    passwordHash,
  });
  await createUser(pool, { groups: ["leads"], name: "Lea Lead" });
  lead2 = await createUser(pool, { groups: ["leads"], name: "Leo Lead" });
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
});

test("the operator picks one reviewer on the form; the request stores that pick", async () => {
  const { page } = await b.newPage();
  await signIn(page, server.url, agent.email, PASSWORD, "/actions/refund_pick");
  await page.getByRole("textbox", { name: "Payment", exact: true }).fill("pay_ui_1");
  const picker = page.getByRole("combobox", { name: "Reviewers" });
  await picker.click();
  await page.getByRole("option", { name: "Leo Lead" }).click();
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Run" }).click();
  const stored = await waitForRequest();
  assert.deepEqual(stored.chosen_reviewers, { users: [lead2.id], groups: [] });
});

async function waitForRequest() {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { rows } = await t.airlock.database.pool.query(
      "SELECT chosen_reviewers FROM airlock.approval_requests WHERE requester_id = $1",
      [agent.id],
    );
    if (rows[0]) return rows[0];
    if (Date.now() > deadline) assert.fail("no approval request was made");
    await new Promise((r) => setTimeout(r, 100));
  }
}
