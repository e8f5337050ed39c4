// A human step and an approval gate end at their expiry by their own runbook's workflow, not by
// the approval sweeper's next pass (a maintenance task every five minutes): a runbook whose human
// step nobody answers, and one whose gate nobody decides, each with an expiry of seconds, end
// failed with the step's code, the expiry audited once, while this test holds the sweeper's lock
// (so a pass that falls in the test expires nothing). The expired step leaves the assignee's
// inbox and takes no late answer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type pg from "pg";
import { defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { until } from "../support/until.ts";
import { createUser, type TestUser } from "../support/users.ts";

// The approval sweeper's advisory lock (approval/approval-expiry.ts): held here, its passes skip.
const SWEEP_LOCK = 7_240_911_006;

const askBriefly = defineRunbook({
  name: "ask_briefly",
  title: "Ask for a quick check",
  params: z.object({}),
  uses: [],
  async handler(rb) {
    await rb.input(z.object({ ok: z.boolean() }), {
      assignee: { group: "analysts" },
      title: "Quick check",
      expiresIn: "5s",
    });
    await rb.step("after_answer", async () => "never");
  },
});

const gateBriefly = defineRunbook({
  name: "gate_briefly",
  title: "A gate nobody decides",
  params: z.object({}),
  uses: [],
  async handler(rb) {
    await rb.approve({ reviewers: { groups: ["managers"] }, reason: "Quick gate", expiresIn: "3s" });
    await rb.step("after_gate", async () => "never");
  },
});

const workspace = defineWorkspace({
  name: "expiry",
  actions: [],
  runbooks: [askBriefly, gateBriefly],
  roles: { analyst: { groups: ["analysts"] }, manager: { groups: ["managers"] } },
  grants: [
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "ask_briefly" } },
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "gate_briefly" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "gate_briefly" } },
  ],
});

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
type Json = any;

let t: TestAirlock;
let analyst: TestUser;
let sweepLock: pg.PoolClient;

before(async () => {
  t = await startTestAirlock({ workspace });
  const pool = t.airlock.database.pool;
  analyst = await createUser(pool, { groups: ["analysts"], name: "Ana Analyst" });
  await createUser(pool, { groups: ["managers"], name: "Max Manager" });
  sweepLock = await pool.connect();
  await sweepLock.query("SELECT pg_advisory_lock($1)", [SWEEP_LOCK]);
});

after(async () => {
  sweepLock?.release(true);
  await t?.close();
});

async function call(user: TestUser, path: string, body?: unknown) {
  const response = await t.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function start(name: string): Promise<string> {
  const started = await call(analyst, `/api/v1/runbooks/${name}/runs`, { params: {} });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body.id;
}

async function ended(id: string) {
  return await until("the runbook's end", async () => {
    const { body } = await call(analyst, `/api/v1/runbook-runs/${id}`);
    return ["succeeded", "failed", "cancelled"].includes(body.status) ? body : undefined;
  });
}

async function auditOf(id: string, types: string[]) {
  const { rows } = await t.airlock.database.pool.query(
    `SELECT type, actor_id, error_code, data FROM airlock.audit_events
      WHERE (target_id = $1 OR data->>'runbookRunId' = $1 OR data->'subject'->>'id' LIKE $1 || ':%')
        AND type = ANY($2) ORDER BY occurred_at, id`,
    [id, types],
  );
  return rows;
}

describe("expiry of a runbook's human step and approval gate", () => {
  test("an unanswered human step ends expired at its expiry: the run fails with runbook.input_expired, audited once; it leaves the inbox and a late answer gets 410", async () => {
    const id = await start("ask_briefly");
    await until("the human step in the inbox", async () => {
      const { body } = await call(analyst, "/api/v1/runbook-inputs");
      return body.inputs.some((i: Json) => i.runbookRunId === id) ? true : undefined;
    });
    const run = await ended(id);
    assert.equal(run.status, "failed");
    assert.equal(run.error.code, "runbook.input_expired");
    assert.equal(run.error.step, "input");
    assert.deepEqual(
      run.steps.map((s: Json) => [s.name, s.status, s.error?.code ?? null]),
      [["input", "failed", "runbook.input_expired"]],
    );
    const events = await auditOf(id, ["runbook.input_expired", "runbook.failed"]);
    assert.deepEqual(
      events.map((e) => [e.type, e.actor_id, e.error_code, e.data?.step]),
      [
        ["runbook.input_expired", null, "runbook.input_expired", "input"],
        ["runbook.failed", analyst.id, "runbook.input_expired", "input"],
      ],
    );
    const inbox = await call(analyst, "/api/v1/runbook-inputs");
    assert.equal(
      inbox.body.inputs.some((i: Json) => i.runbookRunId === id),
      false,
    );
    const late = await call(analyst, `/api/v1/runbook-runs/${id}/steps/input/answer`, {
      answer: { ok: true },
    });
    assert.equal(late.status, 410);
    assert.equal(late.body.error.code, "runbook.input_expired");
  });

  test("an undecided approval gate expires at its expiry, with the sweeper held off: its request expired, the run failed with approval.expired, audited once", async () => {
    const id = await start("gate_briefly");
    const run = await ended(id);
    assert.equal(run.status, "failed");
    assert.equal(run.error.code, "approval.expired");
    const gate = run.steps.find((s: Json) => s.kind === "approval");
    assert.equal(gate.status, "failed");
    assert.equal(gate.error.code, "approval.expired");
    assert.equal(gate.approval.status, "expired");
    const events = await auditOf(id, ["approval.expired", "runbook.failed"]);
    assert.deepEqual(
      events.map((e) => [e.type, e.error_code]),
      [
        ["approval.expired", "approval.expired"],
        ["runbook.failed", "approval.expired"],
      ],
    );
    await sweepLock.query("SELECT pg_advisory_unlock($1)", [SWEEP_LOCK]);
    assert.equal(await t.airlock.approvals.sweeper.sweep(), 0, "the sweeper finds nothing left to expire");
  });
});
