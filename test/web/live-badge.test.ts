// Live updates in a real browser: a reviewer's inbox badge shows a new request within 1 s of its
// submission, without a reload (the badge's own poll is every 30 s; the live stream drives this).
import assert from "node:assert/strict";
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

test("the inbox badge counts a new request within 1 s, without a reload", async (ctx) => {
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
  await badge.waitFor({ timeout: 5_000 });
  const latency = Date.now() - submitted;
  ctx.diagnostic(`submit answered → badge shown: ${latency} ms`);
  assert.ok(latency <= 1_000, `the badge appeared after ${latency} ms`);
  assert.equal(await badge.getAttribute("aria-label"), "1 waiting for your decision");
});
