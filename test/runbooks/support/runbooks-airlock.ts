// The runbooks workspace of the runbook tests (runbooks-run.test.ts, runbooks-recovery.test.ts):
// ledger actions (one held for a manager's approval, one that waits for the test), the runbooks
// that run them, a test Airlock on real PostgreSQL with the ledger tables and the people, and the
// API helpers the tests read runs with. `withRunbooksAirlock()` starts it once per file.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../../src/sdk/index.ts";
import { ownerClient } from "../../../src/store/database.ts";
import { startTestAirlock, type TestAirlock } from "../../support/test-airlock.ts";
import { createUser, type TestUser } from "../../support/users.ts";

export const addEntry = defineAction({
  name: "add_entry",
  title: "Add a ledger entry",
  tags: ["ledger"],
  execution: "inline",
  params: z.object({ amount: z.number().int().positive() }),
  async handler(p, ctx) {
    // The step's idempotency key is a unique reference: the domain refuses a second effect too.
    await ctx.db.query("INSERT INTO public.rb_ledger (reference, amount) VALUES ($1, $2)", [
      ctx.idempotencyKey,
      p.amount,
    ]);
    return { added: p.amount };
  },
});

const bigEntry = defineAction({
  name: "big_entry",
  title: "Add a large ledger entry",
  tags: ["ledger"],
  params: z.object({ amount: z.number().int().positive() }),
  approval: { when: (p) => p.amount > 100, reviewers: { groups: ["managers"] }, mode: "enforce" },
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.rb_ledger (reference, amount) VALUES ($1, $2)", [
      ctx.idempotencyKey,
      p.amount,
    ]);
    return { added: p.amount };
  },
});

/** The slow step's handler waits for the test: `entered` when it starts, `release()` to go on. */
export const slowGate = { entered: Promise.withResolvers<void>(), release: Promise.withResolvers<void>() };

const slowEntry = defineAction({
  name: "slow_entry",
  title: "Add a ledger entry, slowly",
  tags: ["ledger"],
  execution: "inline",
  params: z.object({ amount: z.number().int().positive() }),
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.rb_ledger (reference, amount) VALUES ($1, $2)", [
      ctx.idempotencyKey,
      p.amount,
    ]);
    slowGate.entered.resolve();
    await slowGate.release.promise;
    return { added: p.amount };
  },
});

const slow = defineRunbook({
  name: "slow",
  title: "A slow entry, then another",
  params: z.object({}),
  uses: ["slow_entry", "add_entry"],
  async handler(rb) {
    await rb.run("slow_entry", { amount: 11 }, { step: "slow" });
    await rb.run("add_entry", { amount: 12 }, { step: "after" });
  },
});

// An action step held for approval, then a step of the engine's own: a resume must wait for the
// held run through the same engine operations as the first time, or it meets the wrong one.
const held = defineRunbook({
  name: "held",
  title: "A large entry, held for approval",
  params: z.object({}),
  uses: ["big_entry", "add_entry"],
  async handler(rb) {
    await rb.run("big_entry", { amount: 300 }, { step: "big" });
    await rb.step("noted", async () => "noted");
    await rb.run("add_entry", { amount: 4 }, { step: "small" });
  },
});

const settle = defineRunbook({
  name: "settle",
  title: "Settle an account",
  params: z.object({ account: z.string().min(3) }),
  uses: ["add_entry", "big_entry"],
  async handler(rb, { account }) {
    await rb.log(`settling ${account}`);
    await rb.run("add_entry", { amount: 1 });
    const total = await rb.step("compute", async () => 500);
    await rb.progress(2, 4, "computed");
    const { decision } = await rb.input(
      z.object({ decision: z.enum(["go", "stop"]), note: z.string().min(3) }),
      { assignee: { group: "analysts" }, title: `Settle ${account} for ${total}?` },
    );
    if (decision === "go") await rb.run("big_entry", { amount: total });
    await rb.progress(4, 4, "done");
    return { decision };
  },
});

const flaky = defineRunbook({
  name: "flaky",
  title: "Fails once at its second step",
  params: z.object({}),
  uses: ["add_entry"],
  async handler(rb) {
    await rb.run("add_entry", { amount: 7 });
    await rb.step("check", async () => {
      const owner = await ownerClient(t.database.url);
      try {
        const { rows } = await owner.query("SELECT broken FROM public.rb_switch");
        if (rows[0].broken) throw new Error("the switch is broken");
      } finally {
        await owner.end();
      }
    });
    await rb.run("add_entry", { amount: 8 }, { step: "second_entry" });
  },
});

const single = defineRunbook({
  name: "single",
  title: "One entry",
  params: z.object({}),
  uses: ["add_entry"],
  async handler(rb) {
    await rb.run("add_entry", { amount: 3 }, { step: "entry" });
  },
});

/** How often the twin runbook's step really ran (a rehearsal never runs a step's function). */
export const twinRuns = { count: 0 };

// Two steps named "count" when `again` is set: refused at start, before the first one runs.
const twin = defineRunbook({
  name: "twin",
  title: "Counts twice when asked",
  params: z.object({ again: z.boolean() }),
  uses: [],
  async handler(rb, { again }) {
    await rb.step("count", async () => ++twinRuns.count);
    if (again) await rb.step("count", async () => ++twinRuns.count);
  },
});

// A duplicate only a run can find: the loop is over a step's result, which the start-time
// rehearsal does not enter (a stand-in result iterates as empty).
const looped = defineRunbook({
  name: "looped",
  title: "Counts once per item it finds",
  params: z.object({}),
  uses: [],
  async handler(rb) {
    const items = await rb.step("find", async () => ["a", "b"]);
    for (const _item of items) await rb.step("count", async () => ++twinRuns.count);
  },
});

const workspace = defineWorkspace({
  name: "runbooks",
  actions: [addEntry, bigEntry, slowEntry],
  runbooks: [settle, flaky, single, twin, looped, slow, held],
  roles: {
    operator: { groups: ["operators"] },
    analyst: { groups: ["analysts"] },
    manager: { groups: ["managers"] },
    limited: { groups: ["limited"] },
  },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "ledger" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "settle" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "flaky" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "single" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "twin" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "looped" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "slow" } },
    { to: "operator", verbs: ["view", "run"], on: { runbook: "held" } },
    { to: "analyst", verbs: ["view"], on: { runbook: "settle" } },
    { to: "manager", verbs: ["view", "approve"], on: { tag: "ledger" } },
    { to: "limited", verbs: ["view", "run"], on: { runbook: "settle" } },
  ],
});

/** An API answer, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
export type Json = any;
export type Row = Record<string, Json>;

export let t: TestAirlock;
export let operator: TestUser;
export let analyst: TestUser;
export let manager: TestUser;
export let limited: TestUser;
export let outsider: TestUser;

/** Starts the test Airlock before the file's tests and closes it after them. */
export function withRunbooksAirlock(): void {
  before(async () => {
    t = await startTestAirlock({
      workspace,
      prepare: async (url) => {
        const owner = await ownerClient(url);
        await owner.query(`
          CREATE TABLE public.rb_ledger (reference text UNIQUE NOT NULL, amount int NOT NULL);
          GRANT SELECT, INSERT ON public.rb_ledger TO airlock_app;
          CREATE TABLE public.rb_switch (broken boolean NOT NULL);
          INSERT INTO public.rb_switch VALUES (true);`);
        await owner.end();
      },
    });
    const pool = t.airlock.database.pool;
    operator = await createUser(pool, { groups: ["operators"], name: "Olive Operator" });
    analyst = await createUser(pool, { groups: ["analysts"], name: "Ana Analyst" });
    manager = await createUser(pool, { groups: ["managers"], name: "Max Manager" });
    limited = await createUser(pool, { groups: ["limited"] });
    outsider = await createUser(pool, { groups: [] });
  });

  after(async () => {
    await t?.close();
  });
}

export async function call(user: TestUser, path: string, body?: unknown) {
  const response = await t.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

export async function runbookRun(user: TestUser, id: string) {
  const { status, body } = await call(user, `/api/v1/runbook-runs/${id}`);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

export const ledger = async () =>
  (await t.airlock.database.pool.query("SELECT reference, amount FROM public.rb_ledger ORDER BY amount"))
    .rows;
