// A small fintech for the browser tests: accounts with balances, a lookup, a low-risk read, a
// credit gated above $100 by support managers, a payment confirmation whose card number and email
// are PII, a form with every widget, and a report that comes back as a table.
import { defineAction, defineWorkspace, z } from "../../../src/sdk/index.ts";
import { ownerClient } from "../../../src/store/database.ts";
import { createWalletSchema, walletActions } from "./wallet-actions.ts";

export const ACCOUNTS = [
  { id: "acc_1001", name: "Northwind Traders", plan: "business", balance: 1_250_00 },
  { id: "acc_1002", name: "Blue Yonder Airlines", plan: "enterprise", balance: 98_120_50 },
  { id: "acc_1003", name: "Contoso Pharmacy", plan: "starter", balance: 310_00 },
  { id: "acc_1004", name: "Fabrikam Bikes", plan: "business", balance: 4_075_25 },
];

export async function createWebFixtureSchema(ownerUrl: string): Promise<void> {
  const client = await ownerClient(ownerUrl);
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS webfix;
      CREATE TABLE IF NOT EXISTS webfix.accounts (
        id text PRIMARY KEY, name text NOT NULL, plan text NOT NULL, balance_cents bigint NOT NULL,
        trial_ends date);
      CREATE TABLE IF NOT EXISTS webfix.ledger (
        id bigserial PRIMARY KEY, account_id text NOT NULL, amount_cents bigint NOT NULL,
        reference text NOT NULL UNIQUE, note text, created_at timestamptz NOT NULL DEFAULT now());
      GRANT USAGE ON SCHEMA webfix TO airlock_app;
      GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA webfix TO airlock_app;
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA webfix TO airlock_app;`);
    for (const a of ACCOUNTS)
      await client.query(
        "INSERT INTO webfix.accounts (id, name, plan, balance_cents) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        [a.id, a.name, a.plan, a.balance],
      );
    await createWalletSchema(client);
  } finally {
    await client.end();
  }
}

const accountId = z
  .string()
  .regex(/^acc_\d{4}$/)
  .meta({ label: "Account", widget: "lookup", lookup: "find_accounts", help: "Search by name or ID" });

const findAccounts = defineAction({
  name: "find_accounts",
  title: "Find accounts",
  description: "Search accounts by name or ID (used by forms to offer choices).",
  tags: ["lookups"],
  execution: "inline",
  params: z.object({ query: z.string().max(100).optional() }),
  async handler(p, ctx) {
    const result = await ctx.db.query<{ id: string; name: string }>(
      "SELECT id, name FROM webfix.accounts WHERE $1::text IS NULL OR name ILIKE '%' || $1 || '%' OR id ILIKE '%' || $1 || '%' ORDER BY name",
      [p.query || null],
    );
    return { options: result.rows.map((r) => ({ value: r.id, label: `${r.name} (${r.id})` })) };
  },
});

const accountSummary = defineAction({
  name: "account_summary",
  title: "Account summary",
  description: "Plan, balance and the latest ledger entries of one account.",
  tags: ["support"],
  risk: "low",
  execution: "inline",
  params: z.object({ accountId }),
  target: (p) => ({ type: "account", id: p.accountId }),
  async handler(p, ctx) {
    const account = await ctx.db.query<{ name: string; plan: string; balance_cents: string }>(
      "SELECT name, plan, balance_cents FROM webfix.accounts WHERE id = $1",
      [p.accountId],
    );
    const row = account.rows[0];
    const ledger = await ctx.db.query<{ amount_cents: string; note: string | null; created_at: Date }>(
      "SELECT amount_cents, note, created_at FROM webfix.ledger WHERE account_id = $1 ORDER BY id DESC LIMIT 5",
      [p.accountId],
    );
    return {
      accountId: p.accountId,
      name: row?.name ?? null,
      plan: row?.plan ?? null,
      balanceCents: Number(row?.balance_cents ?? 0),
      entries: ledger.rows.map((e) => ({
        amountCents: Number(e.amount_cents),
        note: e.note,
        at: e.created_at.toISOString(),
      })),
    };
  },
});

const issueCredit = defineAction({
  name: "issue_credit",
  title: "Issue a credit",
  description: "Add a credit to an account's balance. Above $100 a support manager must approve.",
  tags: ["billing", "money-movement"],
  risk: "high",
  execution: "inline",
  params: z.object({
    accountId,
    amountCents: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .meta({ label: "Amount", widget: "money", currency: "USD", help: "Up to $10,000.00" }),
    note: z.string().min(5).max(500).meta({ label: "Note for the customer record", widget: "textarea" }),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  approval: {
    description: "Credits above $100 need a support manager",
    when: (p) => p.amountCents > 100_00,
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
  },
  async describe(target, { db }) {
    const r = await db.query<{ name: string; balance_cents: string }>(
      "SELECT name, balance_cents FROM webfix.accounts WHERE id = $1",
      [target.id],
    );
    return r.rows[0] ? { name: r.rows[0].name, balanceCents: Number(r.rows[0].balance_cents) } : null;
  },
  async handler(p, ctx) {
    const before = await ctx.db.query<{ balance_cents: string }>(
      "SELECT balance_cents FROM webfix.accounts WHERE id = $1 FOR UPDATE",
      [p.accountId],
    );
    ctx.snapshot.before({ balanceCents: Number(before.rows[0]?.balance_cents ?? 0) });
    await ctx.db.query(
      "INSERT INTO webfix.ledger (account_id, amount_cents, reference, note) VALUES ($1, $2, $3, $4)",
      [p.accountId, p.amountCents, ctx.idempotencyKey, p.note],
    );
    const after = await ctx.db.query<{ balance_cents: string }>(
      "UPDATE webfix.accounts SET balance_cents = balance_cents + $2 WHERE id = $1 RETURNING balance_cents",
      [p.accountId, p.amountCents],
    );
    const balanceCents = Number(after.rows[0]?.balance_cents ?? 0);
    ctx.snapshot.after({ balanceCents });
    return { accountId: p.accountId, creditedCents: p.amountCents, balanceCents };
  },
});

const paymentConfirmation = defineAction({
  name: "payment_confirmation",
  title: "Payment confirmation",
  description: "Look up a card payment. The card number and the payer's email are masked.",
  tags: ["payments"],
  risk: "low",
  execution: "inline",
  params: z.object({
    paymentId: z
      .string()
      .regex(/^pay_[a-z0-9]{4,}$/)
      .meta({ label: "Payment ID", placeholder: "pay_…", help: "Starts with pay_" }),
  }),
  output: z.object({
    paymentId: z.string(),
    status: z.string(),
    amountCents: z.number(),
    merchant: z.string(),
    cardNumber: z.string().meta({ pii: "card_number" }),
    payerEmail: z.string().meta({ pii: "email" }),
  }),
  target: (p) => ({ type: "payment", id: p.paymentId }),
  handler: (p) => ({
    paymentId: p.paymentId,
    status: "settled",
    amountCents: 42_00,
    merchant: "Fabrikam Bikes",
    cardNumber: "4111111111111111",
    payerEmail: "jane.doe@example.com",
  }),
});

const extendTrial = defineAction({
  name: "extend_trial",
  title: "Extend a trial",
  description: "Move an account's trial end date and optionally tell the customer.",
  tags: ["support"],
  risk: "medium",
  execution: "inline",
  reasonRequired: true,
  params: z.object({
    accountId,
    plan: z.enum(["starter", "business", "enterprise"]).meta({ label: "Plan during the trial" }),
    until: z.iso.date().meta({ label: "New trial end" }),
    notify: z.boolean().default(true).meta({ label: "Email the account owner" }),
    contactEmail: z
      .email()
      .optional()
      .meta({ label: "Send to", pii: "email", help: "Defaults to the owner" }),
    seats: z.number().int().min(1).max(500).default(5).meta({ label: "Seats" }),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  async handler(p, ctx) {
    await ctx.db.query("UPDATE webfix.accounts SET trial_ends = $2 WHERE id = $1", [p.accountId, p.until]);
    return { accountId: p.accountId, trialEnds: p.until, plan: p.plan, notified: p.notify };
  },
});

const lateBalances = defineAction({
  name: "low_balances",
  title: "Accounts by balance",
  description: "Every account with its plan and balance, lowest first.",
  tags: ["support", "reports"],
  risk: "low",
  execution: "inline",
  params: z.object({}),
  async handler(_p, ctx) {
    const r = await ctx.db.query<{ id: string; name: string; plan: string; balance_cents: string }>(
      "SELECT id, name, plan, balance_cents FROM webfix.accounts ORDER BY balance_cents",
    );
    return r.rows.map((a) => ({
      account: a.id,
      name: a.name,
      plan: a.plan,
      balanceCents: Number(a.balance_cents),
    }));
  },
});

export const webWorkspace = defineWorkspace({
  name: "webfix",
  actions: [
    findAccounts,
    accountSummary,
    issueCredit,
    paymentConfirmation,
    extendTrial,
    lateBalances,
    ...walletActions,
  ],
  roles: {
    support: { groups: ["support"] },
    "support-manager": { groups: ["support-managers"] },
    auditor: { groups: ["auditors"] },
    "wallet-auditor": { groups: ["wallet-auditors"] },
    // Reads payment runs and may reveal card numbers only: not everything in a payment confirmation.
    "card-checker": { groups: ["card-checkers"] },
    admin: { groups: ["admins"] },
  },
  grants: [
    { to: "support", verbs: ["view", "run"], on: { tag: "support" } },
    { to: "support", verbs: ["view", "run"], on: { tag: "billing" } },
    { to: "support", verbs: ["view", "run"], on: { tag: "payments" } },
    { to: "support", verbs: ["view", "run"], on: { tag: "lookups" } },
    { to: "support", verbs: ["view", "run"], on: { tag: "wallets" } },
    { to: "support-manager", verbs: ["view", "run", "approve"], on: { tag: "billing" } },
    {
      to: "support-manager",
      verbs: ["view", "run", "reveal:card_number", "reveal:email"],
      on: { tag: "payments" },
    },
    { to: "support-manager", verbs: ["view", "run"], on: { tag: "lookups" } },
    { to: "support-manager", verbs: ["view", "run"], on: { tag: "support" } },
    { to: "support-manager", verbs: ["view", "approve"], on: { tag: "wallets" } },
    { to: "auditor", verbs: ["view", "audit"], on: "*" },
    { to: "wallet-auditor", verbs: ["view", "audit"], on: { tag: "wallets" } },
    { to: "card-checker", verbs: ["view", "audit", "reveal:card_number"], on: { tag: "payments" } },
    { to: "admin", verbs: ["view", "admin"], on: "*" },
  ],
});
