// The workspace of test/reliability/bulk-crash.test.ts: `slow_fee`, an inline action that takes
// 150 ms and writes one ledger row per item. The ledger has no unique key on purpose: an item
// applied twice would show as two rows, not as a refused insert.
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";

const slowFee = defineAction({
  name: "slow_fee",
  title: "Charge a fee, slowly",
  execution: "inline",
  params: z.object({ accountId: z.string(), amountCents: z.number().int().positive() }),
  target: (p) => ({ type: "account", id: p.accountId }),
  bulk: {
    maxItems: 1_000,
    paramsFrom: (row) => ({ accountId: row.id, amountCents: 100 }),
    amount: (p) => ({ amount: p.amountCents, currency: "USD" }),
    concurrency: 4,
  },
  async handler(p, ctx) {
    await ctx.db.query("SELECT pg_sleep(0.15)");
    await ctx.db.query("INSERT INTO public.bulk_ledger (account_id, pid) VALUES ($1, $2)", [
      p.accountId,
      process.pid,
    ]);
    return { charged: p.amountCents };
  },
});

export default defineWorkspace({
  name: "bulk-chaos",
  actions: [slowFee],
  roles: { ops: { groups: ["ops"] } },
  grants: [{ to: "ops", verbs: ["view", "run"], on: { action: "slow_fee" } }],
});
