// In a real browser: a runbook's approval gate on its run page — the starter sees why they may not
// decide; a reviewer finds the gate in the inbox (and the badge), approves it on the run page with
// a reason, and the runbook finishes; the decision is listed with the reviewer's name. Another
// manager's open approvals list drops the gate row as soon as it is decided, with no reload.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "./support/chromium.ts";

const setPrice = defineAction({
  name: "set_price",
  title: "Set a price",
  tags: ["pricing"],
  execution: "inline",
  params: z.object({ plan: z.string().min(2) }),
  async handler(p) {
    return { plan: p.plan, set: true };
  },
});

const priceChange = defineRunbook({
  name: "price_change",
  title: "Change a plan's price",
  params: z.object({ plan: z.string().min(2) }),
  uses: ["set_price"],
  async handler(rb, { plan }) {
    await rb.approve({ reviewers: { groups: ["managers"] }, reason: `Change the price of ${plan}` });
    return await rb.run("set_price", { plan });
  },
});

const workspace = defineWorkspace({
  name: "rbgate",
  actions: [setPrice],
  runbooks: [priceChange],
  roles: { analyst: { groups: ["analysts"] }, manager: { groups: ["managers"] } },
  grants: [
    { to: "analyst", verbs: ["view", "run"], on: { tag: "pricing" } },
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "price_change" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "price_change" } },
  ],
});

let t: TestAirlock;
let server: Listening;
let b: TestBrowser;
let analyst: TestUser;
let manager: TestUser;
let manager2: TestUser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({ workspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const passwordHash = await hashPassword(PASSWORD);
  const pool = t.airlock.database.pool;
  analyst = await createUser(pool, {
    email: "ana@fintech.test",
    name: "Ana Analyst",
    groups: ["analysts"],
    passwordHash,
  });
  manager = await createUser(pool, {
    email: "max@fintech.test",
    name: "Max Manager",
    groups: ["managers"],
    passwordHash,
  });
  manager2 = await createUser(pool, {
    email: "mia@fintech.test",
    name: "Mia Manager",
    groups: ["managers"],
    passwordHash,
  });
  b = await launchBrowser();
});

const MARK = () => ((window as unknown as { __noReload: boolean }).__noReload = true);
const MARKED = () => (window as unknown as { __noReload?: boolean }).__noReload === true;
after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
});

test("a gate: the starter is told why not; a manager approves it from the inbox's link; the run finishes; another manager's open list drops it live", async (ctx) => {
  const res = await t.post(
    "/api/v1/runbooks/price_change/runs",
    { params: { plan: "pro" } },
    analyst.headers,
  );
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };

  const an = await b.newPage();
  await signIn(an.page, server.url, analyst.email, PASSWORD, `/runbooks/runs/${id}`);
  const gate = an.page.locator('[data-gate="approval"]');
  await an.page.getByText("Change the price of pro").waitFor({ timeout: 30_000 });
  await gate.getByText("You cannot decide on your own request.").waitFor();
  assert.equal(await gate.getByRole("button", { name: "Approve" }).count(), 0);

  // Another manager has the approvals list open on the gate.
  const mi = await b.newPage();
  await signIn(mi.page, server.url, manager2.email, PASSWORD, "/approvals");
  const theirRow = mi.page
    .locator('[data-approval-kind="runbook_gate"]')
    .filter({ hasText: "Runbook gate · Change a plan's price" });
  await theirRow.waitFor({ timeout: 30_000 });
  await mi.page.evaluate(MARK);

  const mx = await b.newPage();
  await signIn(mx.page, server.url, manager.email, PASSWORD, "/approvals");
  // The gate is in the approvals list itself (the reviewer approves no action: the page starts there anyway).
  const row = mx.page
    .locator('[data-approval-kind="runbook_gate"]')
    .filter({ hasText: "Runbook gate · Change a plan's price" });
  await row.waitFor({ timeout: 30_000 });
  await mx.page.getByLabel("1 waiting for your decision").waitFor();
  await row.getByRole("link", { name: "Approve “approval”" }).click();
  await mx.page.waitForURL(`**/runbooks/runs/${id}`);
  const mgate = mx.page.locator('[data-gate="approval"]');
  await mgate.getByLabel("Reason").fill("Checked the margin");
  await mgate.getByRole("button", { name: "Approve" }).click();
  const approvedAt = Date.now();
  // The list polls every 15 s as a fallback: gone within 7 s, the row went on the decision's event.
  await theirRow.waitFor({ state: "detached", timeout: 7_000 });
  ctx.diagnostic(
    `gate approved by one manager → gone from another's open approvals list: ${Date.now() - approvedAt} ms (loaded machine)`,
  );
  assert.equal(await mi.page.evaluate(MARKED), true, "no reload");
  await mx.page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  await mgate.locator("[data-gate-decision]").getByText("Max Manager").waitFor();
  await an.page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  assert.deepEqual([...an.problems.filter((p) => !/404/.test(p)), ...mx.problems, ...mi.problems], []);
});
