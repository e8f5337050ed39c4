// In a real browser: an operator starts a runbook from the catalog and watches it reach its human
// step (no form for them: they are not the assignee); a risk analyst finds the step in the inbox
// (and the badge), opens it — the page the runbook-waiting email links to — answers with a value
// the server refuses (its field error shown on the field), then a good one; both people see the
// runbook finish without a reload (pushed by the live-updates stream: another person's answer
// appears on the run page and leaves the open inbox with no polling); the page keeps the starter's reason (scrubbed of personal data)
// and answers the six questions for the whole run. A running runbook is cancelled with a reason.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hashPassword } from "../../src/identity/passwords.ts";
import { contentOf } from "../../src/notify/notification-content.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { type Listening, listen } from "../../src/server/serve.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, PASSWORD, type TestUser } from "../support/users.ts";
import {
  axeViolations,
  describeViolations,
  launchBrowser,
  signIn,
  type TestBrowser,
  type WatchedPage,
} from "./support/chromium.ts";

const checkAccount = defineAction({
  name: "check_account",
  title: "Check an account",
  tags: ["risk"],
  execution: "inline",
  params: z.object({ account: z.string().min(3) }),
  async handler(p) {
    return { account: p.account, score: 42 };
  },
});

const limitReview = defineRunbook({
  name: "limit_review",
  title: "Review a credit limit",
  description: "Checks the account, asks a risk analyst for the new limit, then checks it again.",
  tags: ["risk"],
  params: z.object({ account: z.string().min(3).meta({ label: "Account" }) }),
  uses: ["check_account"],
  async handler(rb, { account }) {
    const checked = await rb.run<{ score: number }>("check_account", { account });
    await rb.log(`${account} scored ${checked.score}.`);
    await rb.progress(1, 2, "checked");
    const answer = await rb.input(
      z.object({
        decision: z.enum(["raise", "keep"]).meta({ label: "Decision" }),
        // A whole-dollar amount: the browser does not check multipleOf, so the server's field
        // error is what the analyst sees first.
        limitCents: z.number().int().multipleOf(100).meta({ label: "New limit in cents" }),
      }),
      { assignee: { group: "risk" }, title: `New credit limit for ${account}`, expiresIn: "1h" },
    );
    await rb.run("check_account", { account }, { step: "recheck" });
    await rb.progress(2, 2, "rechecked");
    return answer;
  },
});

/** The recheck step's switch: on, it fails (a dependency down); off, it passes. */
let recheckBroken = false;

const flakyCheck = defineRunbook({
  name: "flaky_check",
  title: "Check an account twice",
  params: z.object({ account: z.string().min(3) }),
  uses: ["check_account"],
  async handler(rb, { account }) {
    await rb.run("check_account", { account });
    await rb.step("recheck", async () => {
      if (recheckBroken) throw new Error("The scoring service did not answer.");
      return { rechecked: true };
    });
    return { account };
  },
});

/** held_review's first step ends only when the test lets it (by account). */
const holds = new Map<string, () => void>();
const held = (account: string) => new Promise<void>((resolve) => holds.set(account, resolve));
const release = async (account: string) => {
  for (const until = Date.now() + 30_000; !holds.has(account); ) {
    assert.ok(Date.now() < until, `the runbook for ${account} did not reach its hold step in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  holds.get(account)!();
};

const heldReview = defineRunbook({
  name: "held_review",
  title: "Review a held account",
  params: z.object({ account: z.string().min(3) }),
  uses: [],
  async handler(rb, { account }) {
    await rb.step("hold", async () => {
      await held(account);
      return { released: true };
    });
    return await rb.input(z.object({ decision: z.enum(["raise", "keep"]).meta({ label: "Decision" }) }), {
      assignee: { group: "risk" },
      title: `Decide on ${account}`,
      expiresIn: "1h",
    });
  },
});

const workspace = defineWorkspace({
  name: "rbweb",
  actions: [checkAccount],
  runbooks: [limitReview, flakyCheck, heldReview],
  roles: { operator: { groups: ["operators"] }, risk: { groups: ["risk"] } },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "risk" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "limit_review" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "flaky_check" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "held_review" } },
    { to: "risk", verbs: ["view"], on: { runbook: "limit_review" } },
    { to: "risk", verbs: ["view"], on: { runbook: "held_review" } },
  ],
});

type Person = TestUser & { name: string };

let t: TestAirlock;
let server: Listening;
let b: TestBrowser;
let operator: Person;
let analyst: Person;
/** Each person's signed-in page, kept across the tests (a sign-in costs seconds on a loaded machine). */
let op: WatchedPage;
let an: WatchedPage;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock({ workspace });
  server = await listen(t.airlock.app, "127.0.0.1", 0);
  const hash = await hashPassword(PASSWORD);
  const person = async (name: string, groups: string[]): Promise<Person> => {
    const email = `${name.toLowerCase().replaceAll(" ", ".")}@fintech.test`;
    return {
      ...(await createUser(t.airlock.database.pool, { email, name, groups, passwordHash: hash })),
      name,
    };
  };
  operator = await person("Olive Operator", ["operators"]);
  analyst = await person("Raj Risk", ["risk"]);
  b = await launchBrowser();
});
after(async () => {
  await b?.close();
  await server?.close(100);
  await t?.close();
});

/** Marks the page; the mark survives client-side navigation and updates, not a reload. */
const MARK = () => ((window as unknown as { __noReload: boolean }).__noReload = true);
const MARKED = () => (window as unknown as { __noReload?: boolean }).__noReload === true;

test("a runbook started from the catalog reaches its human step, is answered by the assignee after a field error, and finishes live on both pages", async (ctx) => {
  const started = Date.now();
  op = await b.newPage();
  await signIn(op.page, server.url, operator.email, PASSWORD, "/");
  await op.page.locator('[data-runbook-row="limit_review"]').click();
  await op.page.getByRole("heading", { name: "Review a credit limit" }).waitFor();
  await op.page.locator("#param-account").fill("acc_7001");
  // The reason is kept with the run, scrubbed of personal data first.
  await op.page.getByLabel("Reason").fill("Asked by jane.doe@example.com on the phone");
  const clicked = Date.now();
  await op.page.getByRole("button", { name: "Start runbook" }).click();
  await op.page.waitForURL(/\/runbooks\/runs\/rbr_/);
  const id = decodeURIComponent(new URL(op.page.url()).pathname.split("/").pop()!);
  await op.page.evaluate(MARK);

  // The operator watches it reach the human step; they are not asked, so they get no form.
  const humanStep = op.page.locator('[data-step="input"]');
  await op.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
  ctx.diagnostic(`start clicked → human step shown waiting: ${Date.now() - clicked} ms (loaded machine)`);
  await humanStep.getByText("Waiting for the risk group to answer.").waitFor();
  assert.equal(await op.page.locator("[data-human-step-form]").count(), 0, "no form for a non-assignee");
  await op.page.getByText("1 of 2 checked").waitFor();
  await op.page.getByText("acc_7001 scored 42.").waitFor();
  const actionRun = op.page.locator('[data-step="check_account"] [data-step-run]');
  assert.match((await actionRun.getAttribute("href")) ?? "", /^\/runs\/run_/);

  // The analyst's inbox lists the step (and the badge counts it); the email links to its page.
  an = await b.newPage();
  await signIn(an.page, server.url, analyst.email, PASSWORD, "/approvals");
  await an.page.evaluate(MARK);
  const row = an.page.locator(`[data-runbook-input="${id}"]`);
  await row.getByText("New credit limit for acc_7001").waitFor();
  await an.page.getByLabel("1 waiting for your decision").waitFor();
  const email = await contentOf(
    {
      db: t.airlock.database.pool,
      workspace: t.airlock.workspace,
      authorizer: t.airlock.authorizer,
      baseUrl: server.url,
    },
    {
      id: "evt_test",
      type: "runbook.waiting",
      payload: { runbookRunId: id, step: "input", waitingFor: "input", assignedGroup: "risk" },
      createdAt: new Date(),
      attempts: 1,
    },
  );
  await row.getByRole("link", { name: "New credit limit for acc_7001" }).click();
  await an.page.waitForURL(`**/runbooks/runs/${id}`);
  assert.equal(email?.parts.link?.href, an.page.url(), "the email's link is this page");

  // A value the browser lets through and the server refuses: its error is on the field.
  const form = an.page.locator('[data-human-step-form="input"]');
  await form.waitFor();
  const violations = await axeViolations(an.page);
  assert.deepEqual(violations, [], describeViolations(violations));
  await form.locator("#param-decision").selectOption("raise");
  await form.locator("#param-limitCents").fill("250050");
  await form.getByRole("button", { name: "Send answer" }).click();
  await form
    .locator("#param-limitCents-error")
    .getByText(/multiple of 100/)
    .waitFor();
  assert.equal(await form.locator("#param-limitCents").getAttribute("aria-invalid"), "true");
  await form.locator("#param-limitCents").fill("250000");
  await form.getByRole("button", { name: "Send answer" }).click();

  // Both pages show it finish, without a reload.
  for (const page of [an.page, op.page]) {
    await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-step="input"] [data-answered-by]').getByText("Raj Risk").waitFor();
    await page.locator('[data-step="recheck"][data-step-status="succeeded"]').waitFor();
    await page.getByText("2 of 2 rechecked").waitFor();
    assert.equal(await page.evaluate(MARKED), true, "the page was not reloaded");
  }
  assert.equal(await an.page.locator("[data-human-step-form]").count(), 0, "answered: the form is gone");
  const done = await t.request(`/api/v1/runbook-runs/${id}`, { headers: operator.headers });
  const body = (await done.json()) as { status: string; result: unknown; reason: string };
  assert.equal(body.status, "succeeded");
  assert.deepEqual(body.result, { decision: "raise", limitCents: 250000 });
  const scrubbed = "Asked by j•••@example.com on the phone";
  assert.equal(body.reason, scrubbed);
  const stored = await t.airlock.database.pool.query(
    "SELECT reason FROM airlock.runbook_runs WHERE id = $1",
    [id],
  );
  assert.equal(stored.rows[0].reason, scrubbed, "the address was never stored");

  // The page shows the reason and answers the six questions for the whole run.
  await op.page.locator("[data-start-reason]").getByText(`“${scrubbed}”`).waitFor();
  const questions = op.page.getByRole("region", { name: "The six questions" });
  const answer = (key: string) => questions.locator(`[data-question="${key}"] td`);
  const text = async (key: string) => (await answer(key).textContent()) ?? "";
  await answer("who").getByText("Olive Operator").waitFor();
  assert.match(await text("what"), /limit_review · 3 steps · succeeded/);
  const why = await text("why");
  assert.match(why, new RegExp(`“${scrubbed}”`));
  assert.match(why, /“New credit limit for acc_7001” answered by Raj Risk/);
  assert.doesNotMatch((await questions.textContent()) ?? "", /jane\.doe/);
  assert.deepEqual(
    await answer("changed")
      .getByRole("link", { name: "its run" })
      .evaluateAll((links) => links.map((a) => /^\/runs\/run_/.test(a.getAttribute("href") ?? ""))),
    [true, true],
  );
  assert.match(await text("when"), /→/);
  assert.match(await text("version"), /check_account/);
  ctx.diagnostic(`whole flow: ${Date.now() - started} ms (loaded machine)`);
  assert.deepEqual([...op.problems, ...an.problems], []);
});

test("a step answered by another person appears on the run page and leaves the inbox without a reload, from the live-updates stream (no polling while it is open)", async (ctx) => {
  await an.page.goto(`${server.url}/approvals`);
  await an.page.evaluate(MARK);
  const started = Date.now();
  const res = await t.post(
    "/api/v1/runbooks/limit_review/runs",
    { params: { account: "acc_7004" } },
    operator.headers,
  );
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };

  // The analyst's open inbox gets the new human step from the stream.
  const row = an.page.locator(`[data-runbook-input="${id}"]`);
  await row.getByText("New credit limit for acc_7004").waitFor({ timeout: 30_000 });
  ctx.diagnostic(`started → human step in the open inbox: ${Date.now() - started} ms (loaded machine)`);

  await op.page.goto(`${server.url}/runbooks/runs/${id}`);
  await op.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
  await op.page.evaluate(MARK);
  const reads: number[] = [];
  op.page.on("request", (request) => {
    if (request.method() === "GET" && new URL(request.url()).pathname === `/api/v1/runbook-runs/${id}`)
      reads.push(Date.now());
  });
  // The stream opens (the page then reads the run once, for what changed before it began); from
  // a second without a read on, nothing changes for 3 s: with the stream open the page does not
  // ask again (it polled every second before runbook events were on the stream).
  await op.page.locator('html[data-live-stream="open"]').waitFor({ state: "attached", timeout: 30_000 });
  for (let quietSince = Date.now(); Date.now() - quietSince < 1_200; ) {
    const seen = reads.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (reads.length !== seen) quietSince = Date.now();
  }
  const before = reads.length;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal(reads.length - before, 0, "no polling while the stream is open");

  const answeredAt = Date.now();
  const answered = await t.post(
    `/api/v1/runbook-runs/${id}/steps/input/answer`,
    { answer: { decision: "keep", limitCents: 100000 } },
    analyst.headers,
  );
  assert.equal(answered.status, 200, await answered.clone().text());
  await op.page
    .locator('[data-step="input"] [data-answered-by]')
    .getByText("Raj Risk")
    .waitFor({ timeout: 30_000 });
  const shown = Date.now() - answeredAt;
  await op.page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  const finished = Date.now() - answeredAt;
  await row.waitFor({ state: "detached", timeout: 30_000 });
  const leftInbox = Date.now() - answeredAt;
  ctx.diagnostic(
    `answered by another person → shown on the run page ${shown} ms, run finished shown ${finished} ms, gone from the open inbox ${leftInbox} ms (loaded machine)`,
  );
  assert.ok(reads.length > before, "the page read the run again after the events");
  for (const page of [op.page, an.page]) assert.equal(await page.evaluate(MARKED), true, "no reload");
});

/** Starts held_review for `account` as the operator; its id. */
async function startHeld(account: string): Promise<string> {
  const res = await t.post("/api/v1/runbooks/held_review/runs", { params: { account } }, operator.headers);
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

async function humanStepWaits(id: string): Promise<void> {
  for (const until = Date.now() + 30_000; ; ) {
    const read = await t.request(`/api/v1/runbook-runs/${id}`, { headers: operator.headers });
    const run = (await read.json()) as { steps: { name: string; status: string }[] };
    if (run.steps.some((step) => step.name === "input" && step.status === "waiting")) return;
    assert.ok(Date.now() < until, `the runbook did not reach its human step in 30 s: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A slow network for the analyst's page: its first read of `path` is answered by the server at
 * once (`answered`) but reaches the page only on `letArrive()`; later reads go through. `reads()`
 * counts the page's reads of it.
 */
async function holdFirstRead(path: string) {
  let answered!: () => void;
  const firstAnswered = new Promise<void>((resolve) => (answered = resolve));
  let letArrive!: () => void;
  const mayArrive = new Promise<void>((resolve) => (letArrive = resolve));
  let reads = 0;
  await an.page.route(
    (url) => url.pathname === path,
    async (route) => {
      if (reads++ > 0) return await route.continue();
      const response = await route.fetch();
      answered();
      await mayArrive;
      // The page may have given up on this read by now (it asked again).
      await route.fulfill({ response }).catch(() => {});
    },
  );
  return { answered: firstAnswered, letArrive, reads: () => reads };
}

test("a run page opened before its runbook's human step shows the step waiting without a reload, also when the page's first read arrives after the stream opened", async (ctx) => {
  // The page is open and the stream up before the step waits: the step's event shows it.
  const first = await startHeld("acc_7101");
  await an.page.goto(`${server.url}/runbooks/runs/${first}`);
  await an.page.locator('[data-step="hold"][data-step-status="running"]').waitFor({ timeout: 30_000 });
  await an.page.locator('html[data-live-stream="open"]').waitFor({ state: "attached", timeout: 30_000 });
  await an.page.evaluate(MARK);
  const released = Date.now();
  await release("acc_7101");
  await an.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
  ctx.diagnostic(`hold released → human step shown waiting: ${Date.now() - released} ms (loaded machine)`);
  assert.equal(await an.page.evaluate(MARKED), true, "the page was not reloaded");

  // A slow network: the server answers the page's first read while the runbook still holds, the
  // step then waits, and only then does the stream begin (so no event for the step will come);
  // the first read's answer reaches the page after the stream opened. The page reads again.
  const second = await startHeld("acc_7102");
  const firstRead = await holdFirstRead(`/api/v1/runbook-runs/${second}`);
  let letStream!: () => void;
  const streamMayStart = new Promise<void>((resolve) => (letStream = resolve));
  await an.page.route(
    (url) => url.pathname === "/api/v1/events/stream",
    async (route) => {
      await streamMayStart;
      await route.continue().catch(() => {});
    },
  );
  try {
    await an.page.goto(`${server.url}/runbooks/runs/${second}`);
    await firstRead.answered;
    await release("acc_7102");
    await humanStepWaits(second);
    letStream();
    await an.page.locator('html[data-live-stream="open"]').waitFor({ state: "attached", timeout: 30_000 });
    firstRead.letArrive();
    await an.page.evaluate(MARK);
    await an.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
    assert.equal(await an.page.evaluate(MARKED), true, "the page was not reloaded");
    assert.ok(firstRead.reads() >= 2, "the page read the run again once the stream opened");
  } finally {
    firstRead.letArrive();
    letStream();
    await an.page.unrouteAll({ behavior: "ignoreErrors" });
  }
});

test("a run page whose first read the server answered before the step waited, and which arrives after the step's event, reads the run again", async () => {
  // The stream is already open (a move within the app, no reload): the page's first read is answered
  // while the runbook holds, the step then waits and its event reaches the page while that read is
  // still on its way. The event must not be spent on the stale answer.
  await an.page.locator('html[data-live-stream="open"]').waitFor({ state: "attached", timeout: 30_000 });
  await an.page.evaluate(MARK);
  const id = await startHeld("acc_7103");
  const firstRead = await holdFirstRead(`/api/v1/runbook-runs/${id}`);
  try {
    await an.page.evaluate((to) => {
      history.pushState({}, "", to);
      dispatchEvent(new PopStateEvent("popstate"));
    }, `/runbooks/runs/${id}`);
    await firstRead.answered;
    await release("acc_7103");
    await humanStepWaits(id);
    // The step's event makes the page ask again while the stale answer is held back.
    for (const until = Date.now() + 30_000; firstRead.reads() < 2; ) {
      assert.ok(Date.now() < until, "the step's event did not make the page read the run again");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    firstRead.letArrive();
    await an.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
    assert.equal(await an.page.evaluate(MARKED), true, "the page was not reloaded");
  } finally {
    firstRead.letArrive();
    await an.page.unrouteAll({ behavior: "ignoreErrors" });
  }
});

test("a waiting runbook is cancelled from its page with a reason; someone without run on it is offered no cancel", async () => {
  const res = await t.post(
    "/api/v1/runbooks/limit_review/runs",
    { params: { account: "acc_7002" } },
    operator.headers,
  );
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  // This test is about cancelling a waiting runbook: the pages open once it waits (a page that
  // follows a runbook into its human step live is the tests above).
  for (const until = Date.now() + 30_000; ; ) {
    const read = await t.request(`/api/v1/runbook-runs/${id}`, { headers: operator.headers });
    const run = (await read.json()) as { steps: { name: string; status: string }[] };
    if (run.steps.some((step) => step.name === "input" && step.status === "waiting")) break;
    assert.ok(Date.now() < until, `the runbook did not reach its human step in 30 s: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  await an.page.goto(`${server.url}/runbooks/runs/${id}`);
  await an.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
  assert.equal(await an.page.getByRole("button", { name: "Cancel runbook" }).count(), 0);

  await op.page.goto(`${server.url}/runbooks/runs/${id}`);
  await op.page.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 30_000 });
  await op.page.getByRole("button", { name: "Cancel runbook" }).click();
  const dialog = op.page.getByRole("dialog");
  await dialog.getByLabel("Reason").fill("Customer closed the account");
  await dialog.getByRole("button", { name: "Cancel runbook" }).click();
  await op.page.getByText("“Customer closed the account”").waitFor();
  await op.page.locator('[data-run-status="cancelled"]').waitFor();
  // The step done before it stays done and listed.
  await op.page.locator('[data-step="check_account"][data-step-status="succeeded"]').waitFor();
  // The analyst's page follows: the form is gone once the run is cancelled.
  await an.page.locator('[data-run-status="cancelled"]').waitFor({ timeout: 10_000 });
  assert.equal(await an.page.locator("[data-human-step-form]").count(), 0);
});

test("a failed runbook is retried from its failed step from its page; the steps before it are not run again", async () => {
  recheckBroken = true;
  const res = await t.post(
    "/api/v1/runbooks/flaky_check/runs",
    { params: { account: "acc_7003" } },
    operator.headers,
  );
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  await op.page.goto(`${server.url}/runbooks/runs/${id}`);
  await op.page.locator('[data-run-status="failed"]').waitFor({ timeout: 30_000 });
  await op.page.getByText("The scoring service did not answer.").first().waitFor();
  const firstRun = await op.page.locator('[data-step="check_account"] [data-step-run]').getAttribute("href");

  recheckBroken = false;
  await op.page.getByRole("button", { name: "Retry from “recheck”" }).click();
  await op.page.locator('[data-run-status="succeeded"]').waitFor({ timeout: 30_000 });
  await op.page.locator('[data-step="recheck"][data-step-status="succeeded"]').waitFor();
  assert.equal(
    await op.page.locator('[data-step="check_account"] [data-step-run]').getAttribute("href"),
    firstRun,
    "the action step before the failed one kept its run",
  );
  assert.equal(await op.page.getByRole("button", { name: /^Retry/ }).count(), 0, "nothing left to retry");
});
