// The pricing workspace of the runbook gate tests (runbook-gate-step.test.ts,
// runbook-gate-inbox.test.ts): a price action, runbooks that stop at an approval gate (one after a
// human step, one naming an approval that is not its own), a test Airlock on real PostgreSQL with
// the people (a starter who is also a manager, a bystander), and the API helpers the tests start
// and follow runbooks with. `withGateAirlock()` starts it once per file.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../../src/sdk/index.ts";
import { ownerClient } from "../../../src/store/database.ts";
import { startTestAirlock, type TestAirlock } from "../../support/test-airlock.ts";
import { until } from "../../support/until.ts";
import { createUser, type TestUser } from "../../support/users.ts";

const setPrice = defineAction({
  name: "set_price",
  title: "Set a plan's price",
  tags: ["pricing"],
  execution: "inline",
  params: z.object({ plan: z.string(), cents: z.number().int().positive() }),
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.gate_prices (reference, plan, cents) VALUES ($1, $2, $3)", [
      ctx.idempotencyKey,
      p.plan,
      p.cents,
    ]);
    return { plan: p.plan, cents: p.cents };
  },
});

const reprice = defineRunbook({
  name: "reprice",
  title: "Change a plan's price",
  params: z.object({ plan: z.string(), cents: z.number().int().positive() }),
  uses: ["set_price"],
  async handler(rb, { plan, cents }) {
    const proposal = await rb.step("propose", async () => ({ plan, cents }));
    const gate = await rb.approve({
      reviewers: { groups: ["managers"] },
      reason: `Set ${proposal.plan} to ${proposal.cents} cents`,
      expiresIn: "1h",
    });
    await rb.run("set_price", proposal);
    return { approvedBy: gate.approvedBy };
  },
});

const reviewPrice = defineRunbook({
  name: "review_price",
  title: "Review, approve and set a price",
  version: "3",
  params: z.object({ plan: z.string(), cents: z.number().int().positive() }),
  uses: ["set_price"],
  async handler(rb, { plan, cents }) {
    const { note } = await rb.input(z.object({ note: z.string().min(2) }), {
      assignee: { group: "managers" },
      title: `Check ${plan}`,
    });
    await rb.approve({ reviewers: { groups: ["managers"] }, reason: `Set ${plan}: ${note}` });
    await rb.run("set_price", { plan, cents });
  },
});

// Names an approval that is not one of its own approved gates: the step must fail, not run.
const borrowed = defineRunbook({
  name: "borrowed_gate",
  title: "Set a price under someone else's gate",
  params: z.object({ approvalRequestId: z.string() }),
  uses: ["set_price"],
  async handler(rb, { approvalRequestId }) {
    await rb.run(
      "set_price",
      { plan: "borrowed", cents: 1 },
      { approval: { approvalRequestId, approvedBy: [] } },
    );
  },
});

const workspace = defineWorkspace({
  name: "gates",
  actions: [setPrice],
  runbooks: [reprice, reviewPrice, borrowed],
  roles: {
    analyst: { groups: ["analysts"] },
    manager: { groups: ["managers"] },
  },
  grants: [
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "reprice" } },
    { to: "analyst", verbs: ["view", "run"], on: { action: "set_price" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "reprice" } },
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "review_price" } },
    { to: "manager", verbs: ["view", "approve"], on: { runbook: "review_price" } },
    { to: "analyst", verbs: ["view", "run"], on: { runbook: "borrowed_gate" } },
  ],
});

// biome-ignore lint/suspicious/noExplicitAny: JSON of the API, checked by the app against its schema
export type Json = any;

export let t: TestAirlock;
export let analyst: TestUser;
/** Starts runbooks and is also a manager: holds approve, is a reviewer, and still may not decide. */
export let lead: TestUser;
export let manager: TestUser;
/** Neither a reviewer nor allowed to see the runbook. */
export let bystander: TestUser;

/** Starts the test Airlock before the file's tests and closes it after them. */
export function withGateAirlock(): void {
  before(async () => {
    t = await startTestAirlock({
      workspace,
      prepare: async (url) => {
        const owner = await ownerClient(url);
        await owner.query(`
          CREATE TABLE public.gate_prices (reference text UNIQUE NOT NULL, plan text NOT NULL, cents int NOT NULL);
          GRANT SELECT, INSERT ON public.gate_prices TO airlock_app;`);
        await owner.end();
      },
    });
    const pool = t.airlock.database.pool;
    analyst = await createUser(pool, { groups: ["analysts"], name: "Ana Analyst" });
    lead = await createUser(pool, { groups: ["analysts", "managers"], name: "Lee Lead" });
    manager = await createUser(pool, { groups: ["managers"], name: "Max Manager" });
    bystander = await createUser(pool, { groups: [] });
    await pool.query("UPDATE airlock.users SET name = 'Bo Bystander' WHERE id = $1", [bystander.id]);
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

export async function start(user: TestUser, plan: string, cents: number): Promise<string> {
  const started = await call(user, "/api/v1/runbooks/reprice/runs", { params: { plan, cents } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body.id;
}

export async function atGate(user: TestUser, id: string) {
  return await until("the approval gate", async () => {
    const { body } = await call(user, `/api/v1/runbook-runs/${id}`);
    // The step row is written before the run's own status turns to waiting: wait for both.
    return body.status === "waiting" &&
      body.steps?.find((s: Json) => s.kind === "approval" && s.status === "waiting")
      ? body
      : undefined;
  });
}

export async function ended(user: TestUser, id: string) {
  return await until("the runbook's end", async () => {
    const { body } = await call(user, `/api/v1/runbook-runs/${id}`);
    return ["succeeded", "failed", "cancelled"].includes(body.status) ? body : undefined;
  });
}

export const prices = async () =>
  (await t.airlock.database.pool.query("SELECT plan, cents FROM public.gate_prices ORDER BY plan")).rows;
