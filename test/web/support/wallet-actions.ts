// Wallets in three currencies for the console tests: a lookup whose options carry the wallet's
// currency, a report with a currency per row, and a top-up whose amount has no currency of its own
// (it is in the chosen wallet's), with its balance before and after.

import type pg from "pg";
import { defineAction, z } from "../../../src/sdk/index.ts";

export const WALLETS = [
  { id: "wal_eur1", owner: "Lumen Studio GmbH", currency: "EUR", balance: 1_250_00 },
  { id: "wal_gbp1", owner: "Harbour Books Ltd", currency: "GBP", balance: 310_50 },
  { id: "wal_jpy1", owner: "Sakura Tea KK", currency: "JPY", balance: 48_000 },
];

export async function createWalletSchema(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS webfix.wallets (
      id text PRIMARY KEY, owner text NOT NULL, currency text NOT NULL, balance_minor bigint NOT NULL);
    GRANT SELECT, INSERT, UPDATE ON webfix.wallets TO airlock_app;`);
  for (const w of WALLETS)
    await client.query(
      "INSERT INTO webfix.wallets (id, owner, currency, balance_minor) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [w.id, w.owner, w.currency, w.balance],
    );
}

const walletId = z
  .string()
  .regex(/^wal_[a-z0-9]+$/)
  .meta({ label: "Wallet", widget: "lookup", lookup: "find_wallets", help: "Search by owner or ID" });

const findWallets = defineAction({
  name: "find_wallets",
  title: "Find wallets",
  description:
    "Search wallets by owner or ID, e.g. to credit or top one up (used by forms to offer choices).",
  tags: ["wallets"],
  execution: "inline",
  params: z.object({ query: z.string().max(100).optional() }),
  async handler(p, ctx) {
    const result = await ctx.db.query<{ id: string; owner: string; currency: string }>(
      "SELECT id, owner, currency FROM webfix.wallets WHERE $1::text IS NULL OR owner ILIKE '%' || $1 || '%' OR id ILIKE '%' || $1 || '%' ORDER BY owner",
      [p.query || null],
    );
    return {
      options: result.rows.map((r) => ({ value: r.id, label: `${r.owner} (${r.id})`, currency: r.currency })),
    };
  },
});

const walletReport = defineAction({
  name: "wallet_report",
  title: "Wallet balances",
  description: "Every wallet with its currency and balance.",
  tags: ["wallets"],
  risk: "low",
  execution: "inline",
  params: z.object({}),
  async handler(_p, ctx) {
    const r = await ctx.db.query<{ id: string; owner: string; currency: string; balance_minor: string }>(
      "SELECT id, owner, currency, balance_minor FROM webfix.wallets ORDER BY id",
    );
    return r.rows.map((w) => ({
      walletId: w.id,
      owner: w.owner,
      currency: w.currency,
      balanceCents: Number(w.balance_minor),
    }));
  },
});

const topUpWallet = defineAction({
  name: "top_up_wallet",
  title: "Top up a wallet",
  description: "Add money to a wallet, in the wallet's own currency.",
  tags: ["wallets"],
  risk: "medium",
  execution: "inline",
  params: z.object({
    walletId,
    amountCents: z
      .number()
      .int()
      .positive()
      .max(100_000_000)
      .meta({ label: "Amount", widget: "money", help: "In the wallet's currency" }),
  }),
  target: (p) => ({ type: "wallet", id: p.walletId }),
  // Large top-ups wait for a support manager; the reviewer sees the wallet in its currency.
  approval: {
    description: "Top-ups of 10,000 or more need a support manager",
    when: (p) => p.amountCents >= 1_000_000,
    reviewers: { groups: ["support-managers"] },
    quorum: 1,
  },
  async describe(target, { db }) {
    const r = await db.query<{ currency: string; balance_minor: string }>(
      "SELECT currency, balance_minor FROM webfix.wallets WHERE id = $1",
      [target.id],
    );
    const w = r.rows[0];
    return w ? { currency: w.currency, balanceCents: Number(w.balance_minor) } : null;
  },
  async handler(p, ctx) {
    const before = await ctx.db.query<{ currency: string; balance_minor: string }>(
      "SELECT currency, balance_minor FROM webfix.wallets WHERE id = $1 FOR UPDATE",
      [p.walletId],
    );
    const currency = before.rows[0]?.currency ?? "USD";
    ctx.snapshot.before({ currency, balanceCents: Number(before.rows[0]?.balance_minor ?? 0) });
    const after = await ctx.db.query<{ balance_minor: string }>(
      "UPDATE webfix.wallets SET balance_minor = balance_minor + $2 WHERE id = $1 RETURNING balance_minor",
      [p.walletId, p.amountCents],
    );
    const balanceCents = Number(after.rows[0]?.balance_minor ?? 0);
    ctx.snapshot.after({ currency, balanceCents });
    return { walletId: p.walletId, currency, amountCents: p.amountCents, balanceCents, journalId: 12345 };
  },
});

export const closeWallet = defineAction({
  name: "close_wallet",
  title: "Close a wallet",
  description: "Close a wallet for good. It cannot be reopened.",
  tags: ["wallets"],
  risk: "critical",
  execution: "inline",
  params: z.object({ walletId }),
  target: (p) => ({ type: "wallet", id: p.walletId }),
  handler: (p) => ({ walletId: p.walletId, closed: true }),
});

export const walletActions = [findWallets, walletReport, topUpWallet, closeWallet];
