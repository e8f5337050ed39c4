// The workspace of test/reliability/runbook-crash.test.ts: a runbook whose steps stop at named
// gates (a row in public.chaos_gates opens one), so the test can kill the process running it at
// each step boundary. Every action effect is a ledger row keyed by the step's idempotency key.
import pg from "pg";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";

let pool: pg.Pool | null = null;
function db(): pg.Pool {
  pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  pool.on("error", () => {});
  return pool;
}

async function gate(name: string, query: (sql: string, values: unknown[]) => Promise<{ rows: unknown[] }>) {
  for (;;) {
    const { rows } = await query("SELECT 1 FROM public.chaos_gates WHERE name = $1", [name]);
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const add = defineAction({
  name: "chaos_add",
  title: "Add a ledger row (waits at a gate inside its transaction when asked)",
  execution: "inline",
  timeout: "120s",
  params: z.object({ n: z.number().int(), gate: z.string().optional() }),
  async handler(p, ctx) {
    await ctx.db.query("INSERT INTO public.chaos_ledger (reference, n, pid) VALUES ($1, $2, $3)", [
      ctx.idempotencyKey,
      p.n,
      process.pid,
    ]);
    if (p.gate) await gate(p.gate, (sql, values) => ctx.db.query(sql, values));
    return { n: p.n };
  },
});

const chaos = defineRunbook({
  name: "chaos",
  title: "Stops at every kind of step boundary",
  params: z.object({}),
  uses: ["chaos_add"],
  async handler(rb) {
    await rb.run("chaos_add", { n: 1 }, { step: "one" });
    await rb.step("between", () => gate("between", (sql, values) => db().query(sql, values)));
    await rb.run("chaos_add", { n: 2, gate: "inside" }, { step: "two" });
    const { ok } = await rb.input(z.object({ ok: z.boolean() }), {
      assignee: { group: "ops" },
      title: "Carry on?",
    });
    await rb.sleep("10s");
    await rb.run("chaos_add", { n: 3 }, { step: "three" });
    return { ok };
  },
});

/** Three action steps around a sleep: what runs while the database restarts. */
const steady = defineRunbook({
  name: "steady",
  title: "Three entries around a sleep",
  params: z.object({}),
  uses: ["chaos_add"],
  async handler(rb) {
    await rb.run("chaos_add", { n: 1 }, { step: "one" });
    await rb.sleep("2s");
    await rb.run("chaos_add", { n: 2 }, { step: "two" });
    await rb.run("chaos_add", { n: 3 }, { step: "three" });
  },
});

export default defineWorkspace({
  name: "chaos",
  actions: [add],
  runbooks: [chaos, steady],
  roles: { ops: { groups: ["ops"] } },
  grants: [
    { to: "ops", verbs: ["view", "run"], on: { action: "chaos_add" } },
    { to: "ops", verbs: ["view", "run"], on: { runbook: "chaos" } },
    { to: "ops", verbs: ["view", "run"], on: { runbook: "steady" } },
  ],
});
