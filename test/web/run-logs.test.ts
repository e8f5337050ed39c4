// The run page shows what the handler logged, masked: an operator opens a run in Chromium and reads
// its log lines; the canary card number and email the handler logged are nowhere on the page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import { launchBrowser, signIn, type TestBrowser } from "./support/chromium.ts";

const CARD = "5500005555555559";
const EMAIL = "canary.web@example.org";

const workspace = defineWorkspace({
  name: "web-run-logs",
  actions: [
    defineAction({
      name: "charge_card",
      title: "Charge a card",
      tags: ["logs"],
      execution: "inline",
      params: z.object({ customerEmail: z.email().meta({ pii: "email", label: "Customer email" }) }),
      async handler(p, ctx) {
        ctx.log.info({ customerEmail: p.customerEmail, attempt: 1 }, "charging the card on file");
        ctx.log.warn(`card ${CARD} was declined`);
        return { charged: false };
      },
    }),
  ],
  roles: { operators: { groups: ["operators"] } },
  grants: [{ to: "operators", verbs: ["view", "run"], on: { tag: "logs" } }],
});

let t: TestAirlock;
let server: Listening;
let operator: TestUser & { email: string };
let b: TestBrowser;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({ workspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  operator = await createUser(t.airlock.database.pool, {
    email: "olivia@fintech.test",
    groups: ["operators"],
    passwordHash: await hashPassword(PASSWORD),
  });
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
});

test("the run page lists the handler's log lines, PII masked", async () => {
  const response = await t.post(
    "/api/v1/actions/charge_card/runs",
    { params: { customerEmail: EMAIL } },
    operator.headers,
  );
  assert.equal(response.status, 200);
  const run = (await response.json()) as { id: string };

  const { page, problems, context } = await b.newPage();
  await signIn(page, server.url, operator.email, PASSWORD, `/runs/${run.id}`);
  const logs = page.getByRole("region", { name: "Logs" });
  const rows = logs.getByRole("table", { name: "Log lines" }).getByRole("row");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  const first = (await rows.nth(0).textContent()) ?? "";
  assert.match(first, /info/);
  assert.match(first, /charging the card on file/);
  assert.match(first, /"attempt": 1/);
  const second = (await rows.nth(1).textContent()) ?? "";
  assert.match(second, /warn/);
  assert.match(second, /card \S+ was declined/);
  const html = await page.content();
  for (const canary of [CARD, EMAIL])
    assert.equal(html.includes(canary), false, `${canary} is not on the page`);
  assert.deepEqual(problems, []);
  await context.close();
});
