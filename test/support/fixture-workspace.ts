// A small workspace exercising every execution path, used by the control-layer tests. Effects go
// to `fixture.effects`, created by createFixtureSchema() as the owner.
import { ActionError, defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { ownerClient } from "../../src/store/database.ts";

export async function createFixtureSchema(ownerUrl: string): Promise<void> {
  const client = await ownerClient(ownerUrl);
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS fixture;
      CREATE TABLE IF NOT EXISTS fixture.effects (
        id bigserial PRIMARY KEY, run_id text NOT NULL, account text NOT NULL, amount int NOT NULL,
        reference text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS fixture.balances (account text PRIMARY KEY, balance int NOT NULL);
      GRANT USAGE ON SCHEMA fixture TO airlock_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fixture TO airlock_app;
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA fixture TO airlock_app;`);
  } finally {
    await client.end();
  }
}

const credit = (execution: "inline" | "queued", name: string) =>
  defineAction({
    name,
    title: `Credit (${execution})`,
    tags: ["billing", "money-movement"],
    risk: "high",
    execution,
    params: z.object({
      account: z.string().min(3).meta({ label: "Account" }),
      amount: z.number().int().positive().max(1_000_000).meta({ widget: "money" }),
      note: z.string().max(200).optional(),
    }),
    target: (p) => ({ type: "account", id: p.account }),
    approval: { when: (p) => p.amount > 100_00, reviewers: { groups: ["managers"] }, quorum: 1 },
    async handler(p, ctx) {
      const before = await ctx.db.query<{ balance: number }>(
        "SELECT balance FROM fixture.balances WHERE account = $1",
        [p.account],
      );
      ctx.snapshot.before({ balance: before.rows[0]?.balance ?? 0 });
      if (p.account === "acc_closed")
        throw new ActionError("account_closed", `Account ${p.account} is closed.`);
      await ctx.db.query(
        "INSERT INTO fixture.effects (run_id, account, amount, reference) VALUES ($1, $2, $3, $4)",
        [ctx.runId, p.account, p.amount, `${name}:${ctx.idempotencyKey}`],
      );
      const after = await ctx.db.query<{ balance: number }>(
        `INSERT INTO fixture.balances (account, balance) VALUES ($1, $2)
         ON CONFLICT (account) DO UPDATE SET balance = fixture.balances.balance + EXCLUDED.balance RETURNING balance`,
        [p.account, p.amount],
      );
      ctx.snapshot.after({ balance: after.rows[0]!.balance });
      return { balance: after.rows[0]!.balance, requestId: ctx.requestId };
    },
  });

export const fixtureWorkspace = defineWorkspace({
  name: "fixture",
  actions: [
    credit("inline", "credit_inline"),
    credit("queued", "credit_queued"),
    defineAction({
      name: "echo",
      title: "Echo",
      tags: ["tools"],
      execution: "inline",
      params: z.object({
        text: z.string().max(10_000),
        card: z.string().optional().meta({ pii: "card_number" }),
      }),
      output: z.object({ text: z.string(), card: z.string().nullable().meta({ pii: "card_number" }) }),
      handler: (p) => ({ text: p.text, card: p.card ?? null }),
    }),
    defineAction({
      name: "slow",
      title: "Slow",
      tags: ["tools"],
      timeout: "300ms",
      params: z.object({ ms: z.number().int().min(0).max(60_000), sql: z.boolean().default(false) }),
      async handler(p, ctx) {
        if (p.sql) await ctx.db.query("SELECT pg_sleep($1)", [p.ms / 1000]);
        else await new Promise((r) => setTimeout(r, p.ms));
        await ctx.db.query(
          "INSERT INTO fixture.effects (run_id, account, amount, reference) VALUES ($1, 'slow', 1, $1)",
          [ctx.runId],
        );
        return { slept: p.ms };
      },
    }),
    defineAction({
      name: "boom",
      title: "Boom",
      tags: ["tools"],
      params: z.object({}),
      async handler(_p, ctx) {
        await ctx.db.query(
          "INSERT INTO fixture.effects (run_id, account, amount, reference) VALUES ($1, 'boom', 1, $1)",
          [ctx.runId],
        );
        throw new Error("kaboom with card 4111 1111 1111 1111");
      },
    }),
    defineAction({
      name: "secret_op",
      title: "Nobody may run this",
      params: z.object({}),
      handler: () => ({}),
    }),
    defineAction({
      name: "view_only",
      title: "Visible but not runnable",
      tags: ["readonly"],
      params: z.object({}),
      handler: () => ({}),
    }),
  ],
  roles: {
    operator: { groups: ["operators"] },
    manager: { groups: ["managers"] },
    auditor: { groups: ["auditors"] },
  },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "billing" } },
    { to: "operator", verbs: ["view", "run"], on: { tag: "tools" } },
    { to: "operator", verbs: ["view"], on: { tag: "readonly" } },
    { to: "manager", verbs: ["view", "run", "approve"], on: { tag: "billing" } },
    { to: "auditor", verbs: ["view", "audit"], on: "*" },
  ],
});
