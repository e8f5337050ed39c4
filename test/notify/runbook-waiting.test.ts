// A runbook's human step waits for someone: the person it is assigned to (or the members of the
// group) get an email over a real SMTP server (smtp-server), saying what they are asked, with a
// link to the runbook run — the same page the inbox of waiting steps links to (the web's
// `runbookRunPath`, applied to the inbox's answer from GET /api/v1/runbook-inputs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { runbookRunPath } from "../../src/web/runbooks/runbooks-api.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { type CaughtMail, type SmtpCatcher, startSmtpCatcher } from "./smtp-catcher.ts";

const BASE = "https://airlock.waiting.test";

const setPlan = defineAction({
  name: "set_plan",
  title: "Set a customer's plan",
  tags: ["onboarding"],
  execution: "inline",
  params: z.object({ customer: z.string(), plan: z.string() }),
  handler: (p) => p,
});

const onboard = defineRunbook({
  name: "onboard",
  title: "Onboard a customer",
  params: z.object({ customer: z.string(), checker: z.string() }),
  uses: ["set_plan"],
  async handler(rb, { customer, checker }) {
    const { plan } = await rb.input(z.object({ plan: z.string() }), {
      step: "choose_plan",
      assignee: { user: checker },
      title: `Choose a plan for ${customer}`,
    });
    await rb.input(z.object({ ok: z.boolean() }), {
      step: "kyc",
      assignee: { group: "kyc" },
      title: `Check ${customer}'s documents for the ${plan} plan`,
    });
    await rb.run("set_plan", { customer, plan });
  },
});

const workspace = defineWorkspace({
  name: "waiting",
  actions: [setPlan],
  runbooks: [onboard],
  roles: { ops: { groups: ["ops"] }, kyc: { groups: ["kyc"] } },
  grants: [
    { to: "ops", verbs: ["view", "run"], on: { runbook: "onboard" } },
    { to: "ops", verbs: ["view", "run"], on: { action: "set_plan" } },
    { to: "kyc", verbs: ["view"], on: { runbook: "onboard" } },
  ],
});

let t: TestAirlock;
let smtp: SmtpCatcher;
let starter: TestUser;
let checker: TestUser;
let kyc1: TestUser;
let kyc2: TestUser;

before(async () => {
  smtp = await startSmtpCatcher();
  t = await startTestAirlock({
    workspace,
    env: {
      AIRLOCK_SMTP_URL: smtp.url,
      AIRLOCK_SMTP_FROM: "Airlock <airlock@waiting.test>",
      AIRLOCK_PUBLIC_URL: BASE,
    },
  });
  const pool = t.airlock.database.pool;
  starter = await createUser(pool, { groups: ["ops"], name: "Sue Starter" });
  checker = await createUser(pool, { groups: ["ops"], name: "Cal Checker" });
  kyc1 = await createUser(pool, { groups: ["kyc"], name: "Kim KYC" });
  kyc2 = await createUser(pool, { groups: ["kyc"], name: "Kai KYC" });
});
after(async () => {
  await t?.close();
  await smtp?.close();
});

async function call(user: TestUser, path: string, body?: unknown) {
  const res = await t.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** The inbox of waiting human steps, as the assignee sees it, once it lists `step`. */
async function inboxOf(user: TestUser, step: string) {
  return await until(`${step} in the inbox`, async () => {
    const { body } = await call(user, "/api/v1/runbook-inputs");
    return body.inputs.find((i: { step: string }) => i.step === step);
  });
}

async function mailsAbout(text: string, count: number): Promise<CaughtMail[]> {
  await t.airlock.approvals.events.drain();
  const mails = await smtp.waitFor((m) => m.filter((x) => x.decoded.includes(text)).length >= count);
  return mails.filter((m) => m.decoded.includes(text));
}

/** The link a mail's plain-text part gives to open the runbook. */
function linkOf(mail: CaughtMail): string {
  return /Open the runbook: (\S+)/.exec(mail.decoded)?.[1] ?? "";
}

test("a human step assigned to a person emails them, then one assigned to a group emails its members; each link is the inbox's", async () => {
  const started = await call(starter, "/api/v1/runbooks/onboard/runs", {
    params: { customer: "Acme Ltd", checker: checker.email },
  });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.id as string;

  const waiting = await inboxOf(checker, "choose_plan");
  const toChecker = await mailsAbout(
    "Subject: Runbook waiting for your input: Choose a plan for Acme Ltd",
    1,
  );
  assert.deepEqual(
    toChecker.map((m) => m.to),
    [[checker.email]],
    "the assignee only",
  );
  const link = linkOf(toChecker[0]!);
  assert.equal(link, `${BASE}${runbookRunPath(waiting.runbookRunId)}`, "the inbox's link");
  assert.equal(waiting.runbookRunId, id);
  assert.ok(toChecker[0]!.decoded.includes("Onboard a customer (onboard)"));
  assert.ok(toChecker[0]!.decoded.includes("Sue Starter"));

  const answered = await call(checker, `/api/v1/runbook-runs/${id}/steps/choose_plan/answer`, {
    answer: { plan: "gold" },
  });
  assert.equal(answered.status, 200, JSON.stringify(answered.body));

  const forKyc = await inboxOf(kyc1, "kyc");
  const toGroup = await mailsAbout("Check Acme Ltd's documents for the gold plan", 2);
  assert.deepEqual(toGroup.flatMap((m) => m.to).sort(), [kyc1.email, kyc2.email].sort());
  for (const mail of toGroup) {
    assert.equal(linkOf(mail), `${BASE}${runbookRunPath(forKyc.runbookRunId)}`);
    assert.ok(mail.decoded.includes("Assigned to: kyc"));
  }
  // Nobody else heard of either step.
  const told = new Set(smtp.mails.flatMap((m) => m.to));
  assert.ok(!told.has(starter.email));
});
