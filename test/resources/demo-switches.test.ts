// The demo provider's switches as admin buttons (demo mode only): an admin turns the payments
// provider's outage on from the Demo systems page, a run through it fails with
// downstream.unavailable, and back off it works; each flip is audited. Only admins see or set
// them, only to one of their choices.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as F from "../../examples/demo/fixtures.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { type DemoAirlock, getJson, runAction, startDemoAirlock } from "../demo/demo-airlock-money.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "../web/support/chromium.ts";

let demo: DemoAirlock;
let server: Listening;
let browser: TestBrowser;
let admin: TestUser & { email: string };
let maya: TestUser & { email: string };

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  demo = await startDemoAirlock({ users: { manager: ["support-managers"] } });
  admin = await createUser(demo.t.airlock.database.pool, {
    email: "ada.admin@airlock.test",
    name: "Ada Admin",
    groups: ["admins"],
    passwordHash: await hashPassword(PASSWORD),
  });
  maya = await createUser(demo.t.airlock.database.pool, {
    email: "maya.manager@airlock.test",
    name: "Maya Manager",
    groups: ["support-managers"],
    passwordHash: await hashPassword(PASSWORD),
  });
  server = await listen(demo.t.airlock.app, "127.0.0.1", 0);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close(100);
  await demo?.close();
});

const put = (user: TestUser, name: string, value: string) =>
  demo.t.airlock.app.request(`/api/v1/admin/demo/switches/${name}`, {
    method: "PUT",
    headers: user.headers,
    body: JSON.stringify({ value }),
  });

test("only admins read or set the switches, and only to one of their choices", async () => {
  const manager = demo.users.manager!;
  assert.equal((await getJson(demo.t, manager, "/api/v1/admin/demo/switches")).status, 403);
  assert.equal((await put(manager, "payments_outage", "on")).status, 403);
  const listed = await getJson(demo.t, admin, "/api/v1/admin/demo/switches");
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.switches.map((s: { name: string; current: string }) => [s.name, s.current]),
    [
      ["payments_outage", "off"],
      ["payments_slow", "0"],
    ],
  );
  const bad = await put(admin, "payments_slow", "999999");
  assert.equal(bad.status, 422);
  assert.match((await bad.json()).error.message, /can be set to "0", "3000", "15000"/);
  assert.equal((await put(admin, "no_such_switch", "on")).status, 404);
});

test("an admin turns the provider's outage on from the Demo systems page: a run fails with downstream.unavailable; off again, it succeeds; audited", async () => {
  const { page } = await browser.newPage();
  await signIn(page, server.url, admin.email, PASSWORD, "/demo-systems");
  const outage = page.getByRole("region", { name: "Payments provider: outage" });
  await outage.waitFor();
  await outage.getByText("Outage (503)").click();
  const until = Date.now() + 15_000;
  while (demo.t.services!.switches![0]!.current() !== "on") {
    assert.ok(Date.now() < until, "the switch did not turn on");
    await new Promise((r) => setTimeout(r, 50));
  }
  const failed = await runAction(demo.t, demo.users.manager!, "provider_payment_status", {
    paymentId: F.PAYMENT_1,
  });
  assert.equal(
    failed.body.error?.code ?? failed.body.status,
    "downstream.unavailable",
    JSON.stringify(failed.body),
  );

  await outage.getByText("Working").click();
  while (demo.t.services!.switches![0]!.current() !== "off") {
    assert.ok(Date.now() < until, "the switch did not turn off");
    await new Promise((r) => setTimeout(r, 50));
  }
  const ok = await runAction(demo.t, demo.users.manager!, "provider_payment_status", {
    paymentId: F.PAYMENT_1,
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));

  const { rows } = await demo.owner(
    "SELECT actor_id, data FROM airlock.audit_events WHERE type = 'demo.switch_set' ORDER BY id",
  );
  assert.deepEqual(
    rows.map((r) => [r.actor_id, r.data.switch, r.data.from, r.data.to]),
    [
      [admin.id, "payments_outage", "off", "on"],
      [admin.id, "payments_outage", "on", "off"],
    ],
  );
  // The navigation offers the page to the admin.
  await page.getByRole("link", { name: "Demo systems" }).first().waitFor();
});

test("slow answers from the Demo systems page leave a refund's outcome unknown; its run page says so first, and its requester alone retries it with the same key: no second refund", async () => {
  const { page } = await browser.newPage();
  await signIn(page, server.url, admin.email, PASSWORD, "/demo-systems");
  const slow = page.getByRole("region", { name: "Payments provider: slow answers" });
  await slow.getByText("15 s late").click();
  const until = Date.now() + 15_000;
  while (demo.t.services!.switches![1]!.current() !== "15000") {
    assert.ok(Date.now() < until, "the switch did not move");
    await new Promise((r) => setTimeout(r, 50));
  }
  const refund = await runAction(
    demo.t,
    maya,
    "refund_merchant_payment",
    { paymentId: F.PAYMENT_1, amountCents: 200, reason: "ticket 5150" },
    { key: "refund-unknown" },
  );
  await slow.getByText("Normal").click();
  assert.equal(refund.body.error?.code, "downstream.timeout", JSON.stringify(refund.body));
  const runId = refund.body.id ?? refund.body.error?.details?.runId;
  assert.ok(runId, JSON.stringify(refund.body));

  const own = await browser.newPage();
  await signIn(own.page, server.url, maya.email, PASSWORD, `/runs/${runId}`);
  const notice = own.page.getByRole("alert").filter({ hasText: "Outcome unknown — check before retrying" });
  await notice.waitFor();
  const text = (await notice.textContent()) ?? "";
  assert.match(text, /A call to payments may have taken effect/);
  assert.match(text, /refund-unknown/, "the idempotency key that retries safely");
  assert.match(text, /--idempotency-key refund-unknown/);
  assert.match(text, /new key.*may do it twice/);

  // Someone else sees the notice but not the retry: the key is Maya's.
  const other = await browser.newPage();
  await signIn(other.page, server.url, admin.email, PASSWORD, `/runs/${runId}`);
  await other.page.getByRole("alert").filter({ hasText: "Outcome unknown" }).waitFor();
  assert.equal(await other.page.getByRole("button", { name: "Retry with the same key" }).count(), 0);
  const byOther = await demo.t.post(`/api/v1/runs/${runId}/retry`, {}, admin.headers);
  assert.equal(byOther.status, 403, "only the requester retries with the key");

  // Maya retries from the page: the same parameters and key go again, the provider answers from
  // its stored response, and the page moves to the new run, which succeeded.
  const providerUrl = demo.t.services!.secrets.PAYMENTS_API_URL!;
  const refundsOf = async () =>
    (
      (await (await fetch(`${providerUrl}/demo/log`)).json()) as { refunds: { payment: string }[] }
    ).refunds.filter((r) => r.payment === F.PAYMENT_1).length;
  const refundsBefore = await refundsOf();
  await notice.getByRole("button", { name: "Retry with the same key" }).click();
  const dialog = own.page.getByRole("dialog", {
    name: /Retry refund_merchant_payment with key refund-unknown/,
  });
  await dialog.getByRole("button", { name: "Retry with the same key" }).click();
  await own.page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(runId));
  const retried = own.page.url().split("/runs/")[1]!;
  await own.page.getByText("Succeeded").first().waitFor();
  assert.equal(await refundsOf(), refundsBefore, "no second refund at the provider");
  const view = await getJson(demo.t, maya, `/api/v1/runs/${retried}`);
  assert.equal(view.body.status, "succeeded");
  assert.equal(view.body.idempotencyKey, "refund-unknown", "the retry carried the run's own key");

  // A run whose outcome is known is not retried with its key.
  const again = await demo.t.post(`/api/v1/runs/${retried}/retry`, {}, maya.headers);
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error.code, "run.not_retryable");
});
