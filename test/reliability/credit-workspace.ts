// The workspace the reliability tests run in their `airlock serve` and `airlock worker` processes
// (through credit.config.ts): a credit whose effect is one row per execution in
// `reliability.effects`, so a lost or doubled effect shows up as a count per run. Unlike the
// fixture's effects table, no unique constraint there would turn a second execution into an
// error: a duplicate must be counted, not prevented by the test's own schema.
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { ownerClient } from "../../src/store/database.ts";

/** Credits above this many cents wait for a manager's approval. */
export const APPROVAL_ABOVE = 500_00;

export async function createCreditSchema(ownerUrl: string): Promise<void> {
  const client = await ownerClient(ownerUrl);
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS reliability;
      CREATE TABLE IF NOT EXISTS reliability.effects (
        id bigserial PRIMARY KEY, run_id text NOT NULL, account text NOT NULL, amount int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS reliability.balances (account text PRIMARY KEY, balance bigint NOT NULL);
      GRANT USAGE ON SCHEMA reliability TO airlock_app;
      GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA reliability TO airlock_app;
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA reliability TO airlock_app;`);
  } finally {
    await client.end();
  }
}

const credit = (execution: "inline" | "queued") =>
  defineAction({
    name: `credit_${execution}`,
    title: `Credit (${execution})`,
    tags: ["money"],
    risk: "high",
    execution,
    // The effect commits in the same transaction as the run's final status, so a run found still
    // `running` after a lost connection has no effect yet: executing it again cannot double it.
    retry: "safe",
    params: z.object({
      account: z.string().min(3),
      amount: z.number().int().positive().max(10_000_000),
      /** Keeps the handler busy, so a request is certainly in flight when the database dies. */
      holdMs: z.number().int().min(0).max(5_000).default(0),
    }),
    target: (p) => ({ type: "account", id: p.account }),
    approval: { when: (p) => p.amount > APPROVAL_ABOVE, reviewers: { groups: ["managers"] } },
    async handler(p, ctx) {
      if (p.holdMs > 0) await ctx.db.query("SELECT pg_sleep($1)", [p.holdMs / 1000]);
      await ctx.db.query("INSERT INTO reliability.effects (run_id, account, amount) VALUES ($1, $2, $3)", [
        ctx.runId,
        p.account,
        p.amount,
      ]);
      const after = await ctx.db.query<{ balance: string }>(
        `INSERT INTO reliability.balances (account, balance) VALUES ($1, $2)
         ON CONFLICT (account) DO UPDATE SET balance = reliability.balances.balance + EXCLUDED.balance
         RETURNING balance`,
        [p.account, p.amount],
      );
      return { balance: Number(after.rows[0]!.balance) };
    },
  });

export const creditWorkspace = defineWorkspace({
  name: "reliability",
  actions: [credit("inline"), credit("queued")],
  roles: {
    operator: { groups: ["operators"] },
    manager: { groups: ["managers"] },
    auditor: { groups: ["auditors"] },
  },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "money" } },
    { to: "manager", verbs: ["view", "approve"], on: { tag: "money" } },
    { to: "auditor", verbs: ["view", "audit"], on: "*" },
  ],
});
