// In a real browser: a reviewer's inbox badge shows a new request within 1 s of its submission,
// without a reload (the badge's own poll is every 30 s; the live stream drives this); and an
// admin reads a webhook's delivery log, with the attempts and last error of a failing receiver.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { launchBrowser, signIn, type TestBrowser } from "./support/chromium.ts";
import { startWebAirlock, type WebAirlock } from "./support/web-airlock.ts";

let w: WebAirlock;
let b: TestBrowser;

before(async () => {
  w = await startWebAirlock();
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await w?.close();
});

test("the inbox badge counts a new request without a reload, well before its 15 s poll (latency reported)", async (ctx) => {
  const { page } = await b.newPage();
  const streamOpened = page.waitForResponse((r) => r.url().includes("/api/v1/events/stream"), {
    timeout: 30_000,
  });
  await signIn(page, w.url, w.people.manager.email, w.people.manager.password, "/");
  const badge = page.getByLabel(/waiting for your decision/);
  assert.equal(await badge.count(), 0, "nothing waits yet");
  // Give the stream its connection before the request is made.
  assert.equal((await streamOpened).status(), 200);
  await new Promise((resolve) => setTimeout(resolve, 300));

  const res = await fetch(`${w.url}/api/v1/actions/issue_credit/runs`, {
    method: "POST",
    headers: { ...w.people.operator.headers, "content-type": "application/json" },
    body: JSON.stringify({
      params: { accountId: "acc_1001", amountCents: 25_000, note: "live badge" },
      reason: "Customer escalation, ticket 7782",
    }),
  });
  const submitted = Date.now();
  assert.equal(res.status, 202, await res.text());
  await badge.waitFor({ timeout: 7_000 });
  const latency = Date.now() - submitted;
  ctx.diagnostic(`submit answered → badge shown: ${latency} ms`);
  // The live stream, not the badge's 15 s poll (the next poll is at least ~14 s after the submit):
  // measured here in 0.1–0.4 s on a quiet machine, up to 1.4 s beside the full suite and once 3.4 s
  // beside browser tests on a CI run; the bound only has to tell the two apart. The stream's own
  // 1 s is asserted over HTTP, without a browser (test/notify/live-updates.test.ts).
  assert.ok(latency <= 7_000, `the badge appeared after ${latency} ms`);
  assert.equal(await badge.getAttribute("aria-label"), "1 waiting for your decision");
});

test("the Webhooks page shows a delivery that is not delivered yet, with its attempts and last error", async () => {
  const receiver = createServer((_req, res) => {
    res.writeHead(500);
    res.end();
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const created = await fetch(`${w.url}/api/v1/admin/webhooks`, {
      method: "POST",
      headers: { ...w.people.admin.headers, "content-type": "application/json" },
      body: JSON.stringify({ url, eventTypes: ["approval.decided"], internal: true }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const pending = await w.t.airlock.database.pool.query<{ approval_request_id: string }>(
      "SELECT approval_request_id FROM airlock.runs WHERE status = 'pending_approval' LIMIT 1",
    );
    const reject = await fetch(`${w.url}/api/v1/approvals/${pending.rows[0]!.approval_request_id}/reject`, {
      method: "POST",
      headers: { ...w.people.manager.headers, "content-type": "application/json" },
      body: JSON.stringify({ reason: "duplicate of an earlier credit" }),
    });
    assert.equal(reject.status, 200, await reject.clone().text());

    const { page } = await b.newPage();
    await signIn(page, w.url, w.people.admin.email, w.people.admin.password, "/webhooks");
    await page.getByText(url).click();
    await page
      .getByText(/Not delivered yet \(\d+ attempts?, last error: HTTP 500\)/)
      .waitFor({ timeout: 15_000 });
  } finally {
    receiver.close();
  }
});
