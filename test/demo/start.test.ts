// `npm start` on a fresh data dir, then the README's five-minute walkthrough step by step over the
// HTTP API as the demo people would do it in the browser (password sign-in, session cookie, CSRF
// token): a $50 credit runs directly, a $250 one waits, its requester cannot approve it, a manager
// does, compliance reads the six answers and verifies the trail; `airlock demo reset` restores the
// data while the server runs; a second start finds everything seeded and starts fast.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { ACCOUNT_ALICE, ACCOUNT_ALICE_BALANCE_CENTS } from "../../examples/demo/fixtures.ts";

const root = resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "airlock-start-"));
const env = {
  ...process.env,
  AIRLOCK_DATA_DIR: dataDir,
  PORT: "0",
  AIRLOCK_LOG_LEVEL: "warn",
  DATABASE_URL: "",
  AIRLOCK_DEMO: "",
};
delete (env as Record<string, string | undefined>).DATABASE_URL;
delete (env as Record<string, string | undefined>).AIRLOCK_DEMO;

interface Started {
  child: ChildProcess;
  url: string;
  out: () => string;
  ms: number;
}

async function start(): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "bin/airlock.js"), "start"], { cwd: root, env });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 120 s:\n${out}`)), 120_000);
    const check = () => {
      const match = /Airlock is running at (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => reject(new Error(`airlock start exited ${code}:\n${out}`)));
  });
  return { child, url, out: () => out, ms: performance.now() - started };
}

async function stop(s: Started): Promise<number | null> {
  const exited = new Promise<number | null>((r) => s.child.on("exit", (code) => r(code)));
  s.child.kill("SIGTERM");
  return await exited;
}

/** What a browser does: a session cookie, the CSRF token in a header, the page's Origin. */
class Person {
  cookie = "";
  csrf = "";
  readonly url: string;
  readonly email: string;
  constructor(url: string, email: string) {
    this.url = url;
    this.email = email;
  }

  async signIn(): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.url },
      body: JSON.stringify({ email: this.email, password: "demo" }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, `${this.email}: ${JSON.stringify(body)}`);
    this.csrf = body.csrfToken;
    this.cookie = res.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        origin: this.url,
        "x-csrf-token": this.csrf,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : null,
      requestId: res.headers.get("x-request-id"),
    };
  }

  run(action: string, params: unknown, key: string, reason?: string) {
    return this.call(
      "POST",
      `/api/v1/actions/${action}/runs`,
      { params, ...(reason ? { reason } : {}) },
      { "idempotency-key": key },
    );
  }
}

let first: Started;

before(async () => {
  first = await start();
});
after(async () => {
  if (first.child.exitCode === null) await stop(first);
  rmSync(dataDir, { recursive: true, force: true });
});

test("npm start: a fresh data dir gets the server, the UI, the seeded demo and its users", async (t) => {
  t.diagnostic(`first start (initdb, migrations, seed) ${Math.round(first.ms)} ms`);
  assert.match(first.out(), /Demo users \(password: demo\)/);
  assert.match(first.out(), /sam\.support@airlock\.demo\s+support/);
  const ready = await fetch(`${first.url}/readyz`);
  assert.equal(ready.status, 200);
  const page = await fetch(`${first.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="root">/);

  const sam = new Person(first.url, "sam.support@airlock.demo");
  await sam.signIn();
  const catalog = await sam.call("GET", "/api/v1/actions");
  assert.equal(catalog.status, 200);
  const names = catalog.body.actions.map((a: { name: string }) => a.name);
  assert.ok(names.includes("issue_credit"), names.join(", "));
  assert.ok(!names.includes("erase_customer"), "support does not even see compliance's actions");
});

test("the README walkthrough: $50 direct, $250 approved by a manager, compliance reads and verifies", async () => {
  const sam = new Person(first.url, "sam.support@airlock.demo");
  const maya = new Person(first.url, "maya.manager@airlock.demo");
  const cora = new Person(first.url, "cora.compliance@airlock.demo");
  await Promise.all([sam.signIn(), maya.signIn(), cora.signIn()]);

  // 1. A $50 credit runs directly.
  const small = await sam.run(
    "issue_credit",
    { accountId: ACCOUNT_ALICE, amountCents: 5_000 },
    "walkthrough-50",
    "Goodwill for a late card",
  );
  assert.equal(small.status, 200, JSON.stringify(small.body));
  assert.equal(small.body.status, "succeeded");

  // 2. A $250 one waits for a support manager.
  const big = await sam.run(
    "issue_credit",
    { accountId: ACCOUNT_ALICE, amountCents: 25_000 },
    "walkthrough-250",
    "Outage on Nov 20",
  );
  assert.equal(big.status, 202, JSON.stringify(big.body));
  assert.equal(big.body.status, "pending_approval");
  const approvalId = big.body.approvalRequestId as string;
  const self = await sam.call("POST", `/api/v1/approvals/${approvalId}/approve`, { reason: "me" });
  assert.equal(self.status, 403);
  assert.equal(self.body.error.code, "approval.self_approval");

  // 3. Maya sees it in her inbox and approves it; it executes once.
  const inbox = await maya.call("GET", "/api/v1/approvals?status=pending");
  assert.ok(inbox.body.approvals.some((a: { id: string }) => a.id === approvalId));
  const approved = await maya.call("POST", `/api/v1/approvals/${approvalId}/approve`, {
    reason: "Checked the outage report",
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  let run = (await cora.call("GET", `/api/v1/runs/${big.body.id}`)).body;
  for (let i = 0; i < 100 && !["succeeded", "failed"].includes(run.status); i++) {
    await new Promise((r) => setTimeout(r, 100));
    run = (await cora.call("GET", `/api/v1/runs/${big.body.id}`)).body;
  }
  assert.equal(run.status, "succeeded", JSON.stringify(run));

  // 4. Compliance reads the six answers.
  const a = run.accountability;
  assert.equal(a.who.actor.name, "Sam Support");
  assert.deepEqual(a.target.target, { type: "account", id: ACCOUNT_ALICE });
  assert.equal(a.approval.required, true);
  assert.ok(
    a.approval.decisions.some(
      (d: { reviewer: { name: string }; decision: string }) =>
        d.reviewer.name === "Maya Manager" && d.decision === "approve",
    ),
    JSON.stringify(a.approval),
  );
  assert.equal(a.requestIds.request, big.requestId);
  assert.match(a.requestIds.execution, /^req_/);
  assert.ok(a.changed.before !== null && a.changed.after !== null, JSON.stringify(a.changed));

  // The balance moved by exactly $300, once each.
  assert.equal(
    JSON.stringify(a.changed.after).includes(String(ACCOUNT_ALICE_BALANCE_CENTS + 30_000)),
    true,
    `after: ${JSON.stringify(a.changed.after)}`,
  );

  // 5. And verifies the trail.
  const verified = await cora.call("GET", "/api/v1/audit/verify");
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  assert.equal(verified.body.ok, true, JSON.stringify(verified.body));
});

test("monitor mode: the admin switches the credit policy; a $250 credit runs and shows in the report", async () => {
  const ada = new Person(first.url, "ada.admin@airlock.demo");
  const alan = new Person(first.url, "alan.admin@airlock.demo");
  const sally = new Person(first.url, "sally.support@airlock.demo");
  await Promise.all([ada.signIn(), alan.signIn(), sally.signIn()]);
  const policy = "issue_credit.approval";
  // Every policy-mode switch needs a second admin: Ada asks, Alan approves (docs/governance.md).
  const switchMode = async (mode: string, reason: string) => {
    const asked = await ada.call("POST", `/api/v1/policies/${policy}/mode`, { mode, reason });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const approved = await alan.call("POST", `/api/v1/changes/${asked.body.changeRequest.id}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, "applied");
    return approved;
  };
  await switchMode("monitor", "Measure how many credits would need approval");
  try {
    // The catalog shows the mode in force, not the code's default.
    const shown = await sally.call("GET", "/api/v1/actions/issue_credit");
    assert.equal(shown.body.approval.mayBeRequired, false);
    assert.equal(shown.body.approval.policies[0].mode, "monitor");
    const credit = await sally.run(
      "issue_credit",
      { accountId: ACCOUNT_ALICE, amountCents: 25_000 },
      "monitored-250",
      "Outage, monitored",
    );
    assert.equal(credit.status, 200, JSON.stringify(credit.body));
    assert.equal(credit.body.status, "succeeded");
    const report = await ada.call("GET", "/api/v1/policies/report");
    const row = report.body.policies.find((p: { policy: string }) => p.policy === policy);
    assert.equal(row.mode, "monitor");
    assert.ok(row.totals.wouldHaveGated >= 1, JSON.stringify(row.totals));
    assert.ok(
      row.byRequester.some((r: { name: string }) => r.name === "Sally Support"),
      JSON.stringify(row.byRequester),
    );
  } finally {
    await switchMode("enforce", "Done");
  }
  const held = await sally.run(
    "issue_credit",
    { accountId: ACCOUNT_ALICE, amountCents: 25_000 },
    "enforced-250",
    "Outage, enforced again",
  );
  assert.equal(held.status, 202, JSON.stringify(held.body));
});

test("airlock demo reset restores the data while the server runs; a restart keeps it (restart time reported)", async (t) => {
  const reset = spawn(process.execPath, [join(root, "bin/airlock.js"), "demo", "reset"], { cwd: root, env });
  let out = "";
  reset.stdout.on("data", (d) => {
    out += d;
  });
  reset.stderr.on("data", (d) => {
    out += d;
  });
  const code = await new Promise((r) => reset.on("exit", r));
  assert.equal(code, 0, out);
  assert.match(out, /Demo data restored in/);

  const cora = new Person(first.url, "cora.compliance@airlock.demo");
  await cora.signIn();
  const sam = new Person(first.url, "sam.support@airlock.demo");
  await sam.signIn();
  // The credits are gone from the domain data; the trail of them stays.
  const again = await sam.run(
    "issue_credit",
    { accountId: ACCOUNT_ALICE, amountCents: 100 },
    "after-reset",
    "Checking the reset",
  );
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const after = JSON.stringify(again.body.result);
  assert.ok(after.includes(String(ACCOUNT_ALICE_BALANCE_CENTS + 100)), after);
  const trail = await cora.call("GET", "/api/v1/audit?action=issue_credit&type=run.succeeded");
  assert.ok(trail.body.events.length >= 3, JSON.stringify(trail.body).slice(0, 300));

  assert.equal(await stop(first), 0);
  const second = await start();
  t.diagnostic(`second start ${Math.round(second.ms)} ms`);
  try {
    const ready = await fetch(`${second.url}/readyz`);
    assert.equal(ready.status, 200);
  } finally {
    assert.equal(await stop(second), 0);
  }
});
