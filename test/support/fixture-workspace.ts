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

// For the approval tests (test/approval): actions tagged `review-lab`, reachable only by the roles
// below, so the catalogs the other tests check do not change.
const reviewLab = {
  creditDual: defineAction({
    ...credit("queued", "credit_dual"),
    title: "Credit needing two approvers",
    tags: ["review-lab"],
    approval: { when: (p) => p.amount > 100_00, reviewers: { groups: ["approvers"] }, quorum: 2 },
  }),
  creditWatch: defineAction({
    ...credit("inline", "credit_watch"),
    title: "Credit under a monitored policy",
    tags: ["review-lab"],
    approval: { when: (p) => p.amount > 100_00, reviewers: { groups: ["approvers"] }, mode: "monitor" },
  }),
  closeAccount: defineAction({
    name: "close_account",
    title: "Close an account",
    tags: ["review-lab"],
    risk: "critical",
    params: z.object({ account: z.string().min(3), contact: z.string().optional().meta({ pii: "email" }) }),
    target: (p) => ({ type: "account", id: p.account }),
    // Two policies: both must reach their quorum. The second lists a user by email.
    approval: [
      { name: "close.managers", reviewers: { groups: ["approvers"] } },
      { name: "close.compliance", reviewers: { groups: ["compliance"], users: ["CFO@fixture.test"] } },
    ],
    async describe(target, { db }) {
      if (target.id === "acc_broken") throw new Error("describe exploded");
      if (target.id === "acc_slow") await db.query("SELECT pg_sleep(10)");
      if (target.id === "acc_sneaky")
        await db.query("INSERT INTO fixture.balances (account, balance) VALUES ('sneaky', 1)");
      const row = await db.query<{ balance: number }>(
        "SELECT balance FROM fixture.balances WHERE account = $1",
        [target.id],
      );
      return { balance: row.rows[0]?.balance ?? null, owner: "owner@example.com" };
    },
    async handler(p, ctx) {
      await ctx.db.query(
        "INSERT INTO fixture.effects (run_id, account, amount, reference) VALUES ($1, $2, 0, $1)",
        [ctx.runId, p.account],
      );
      return { closed: p.account };
    },
  }),
};

export const fixtureWorkspace = defineWorkspace({
  name: "fixture",
  actions: [
    credit("inline", "credit_inline"),
    credit("queued", "credit_queued"),
    reviewLab.creditDual,
    reviewLab.creditWatch,
    reviewLab.closeAccount,
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
    clerk: { groups: ["clerks"] },
    approver: { groups: ["approvers"] },
    compliance: { groups: ["compliance"] },
    treasurer: { groups: ["treasury"] },
    "billing-admin": { groups: ["billing-admins"] },
    bot: { services: ["fixture-bot"] },
  },
  services: { "fixture-bot": { description: "A service identity that holds approve (and must not use it)" } },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "billing" } },
    { to: "operator", verbs: ["view", "run"], on: { tag: "tools" } },
    { to: "operator", verbs: ["view"], on: { tag: "readonly" } },
    { to: "manager", verbs: ["view", "run", "approve"], on: { tag: "billing" } },
    { to: "auditor", verbs: ["view", "audit"], on: "*" },
    { to: "clerk", verbs: ["view", "run"], on: { tag: "review-lab" } },
    { to: "approver", verbs: ["view", "run", "approve"], on: { tag: "review-lab" } },
    { to: "compliance", verbs: ["view", "approve"], on: { tag: "review-lab" } },
    { to: "treasurer", verbs: ["view", "approve"], on: { tag: "review-lab" } },
    { to: "billing-admin", verbs: ["view", "run", "approve", "admin"], on: { tag: "billing" } },
    { to: "billing-admin", verbs: ["view", "run", "approve", "admin"], on: { tag: "review-lab" } },
    { to: "bot", verbs: ["view", "run", "approve"], on: { tag: "billing" } },
  ],
});
