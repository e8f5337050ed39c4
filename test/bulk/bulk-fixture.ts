// A workspace for bulk tests: `charge_fee` (inline, one ledger row per item, keyed by the run's
// idempotency key so the ledger itself refuses a second effect), whose batch needs a manager
// above 3 items or $50.00, and `flaky_fee`, which fails for accounts whose id starts with "bad".
import { ActionError, defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";
import { ownerClient } from "../../src/store/database.ts";

const params = z.object({
  accountId: z.string().regex(/^acc_[a-z0-9]+$/, "is not an account id"),
  amountCents: z.number().int().positive(),
  currency: z.enum(["USD", "EUR"]),
});

const fromRow = (row: Readonly<Record<string, unknown>>) => ({
  accountId: row.accountId ?? row.id,
  amountCents: row.amountCents === undefined ? 500 : Number(row.amountCents),
  currency: row.currency ?? "USD",
});

export const chargeFee = defineAction({
  name: "charge_fee",
  title: "Charge a fee",
  tags: ["fees"],
  execution: "inline",
  params,
  target: (p) => ({ type: "account", id: p.accountId }),
  // A single large fee needs a manager on its own; inside an approved batch it does not again.
  approval: { when: (p) => p.amountCents > 2_000, reviewers: { groups: ["managers"] } },
  async describe(target, { db }) {
    const { rows } = await db.query("SELECT id FROM public.accounts WHERE id = $1", [target.id]);
    return rows[0] ?? null;
  },
  bulk: {
    maxItems: 40,
    paramsFrom: fromRow,
    amount: (p) => ({ amount: p.amountCents, currency: p.currency }),
    approval: {
      when: (b) =>
        b.count > 3 ? "more than 3 items" : (b.totals.USD ?? 0) > 5_000 ? "more than $50.00" : false,
      reviewers: { groups: ["managers"] },
    },
    concurrency: 2,
  },
  async handler(p, ctx) {
    await ctx.db.query("SELECT pg_sleep(0.02)");
    await ctx.db.query(
      "INSERT INTO public.fee_ledger (reference, account_id, amount_cents) VALUES ($1, $2, $3)",
      [ctx.idempotencyKey, p.accountId, p.amountCents],
    );
    return { charged: p.amountCents };
  },
});

export const flakyFee = defineAction({
  name: "flaky_fee",
  title: "Charge a fee (fails for bad accounts)",
  tags: ["fees"],
  execution: "inline",
  params,
  target: (p) => ({ type: "account", id: p.accountId }),
  bulk: { maxItems: 40, paramsFrom: fromRow, stopAfter: { consecutiveFailures: 3 }, concurrency: 1 },
  async handler(p, ctx) {
    if (p.accountId.startsWith("acc_bad"))
      throw new ActionError("bad_account", "=HYPERLINK(1) card 4111 1111 1111 1111 is closed");
    await ctx.db.query(
      "INSERT INTO public.fee_ledger (reference, account_id, amount_cents) VALUES ($1, $2, $3)",
      [ctx.idempotencyKey, p.accountId, p.amountCents],
    );
    return { charged: p.amountCents };
  },
});

/** The lookup whose rows the web UI acts on in bulk. */
export const listAccounts = defineAction({
  name: "list_accounts",
  title: "List accounts",
  tags: ["fees"],
  execution: "inline",
  params: z.object({}),
  async handler(_p, ctx) {
    const { rows } = await ctx.db.query("SELECT id FROM public.accounts ORDER BY id LIMIT 8");
    return rows;
  },
});

export const bulkWorkspace = defineWorkspace({
  name: "bulk",
  actions: [chargeFee, flakyFee, listAccounts],
  roles: { operator: { groups: ["operators"] }, manager: { groups: ["managers"] } },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "fees" } },
    { to: "manager", verbs: ["view", "run", "approve"], on: { tag: "fees" } },
  ],
});

export const ACCOUNTS = Array.from({ length: 30 }, (_, i) => `acc_${String(i + 1).padStart(3, "0")}`);

export async function prepareBulkTables(url: string): Promise<void> {
  const owner = await ownerClient(url);
  try {
    await owner.query(`
      CREATE TABLE public.accounts (id text PRIMARY KEY);
      CREATE TABLE public.fee_ledger (
        reference text UNIQUE NOT NULL, account_id text NOT NULL, amount_cents int NOT NULL);
      GRANT SELECT ON public.accounts TO airlock_app;
      GRANT SELECT, INSERT ON public.fee_ledger TO airlock_app;`);
    await owner.query("INSERT INTO public.accounts SELECT unnest($1::text[])", [ACCOUNTS]);
  } finally {
    await owner.end();
  }
}
