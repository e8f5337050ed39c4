// Account setup: open an account for an existing customer (the onboarding runbook builds on it).
// Idempotent in the domain, not only in Airlock: the account id is derived from the run's
// idempotency key, so a retried or re-executed run finds the account it opened instead of opening
// a second one (hence `retry: "safe"`).
import { createHash } from "node:crypto";
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { CURRENCIES, cents, customerIdField, iso, PLANS } from "./customer-common.ts";

/** `acc_` + 20 hex digits of SHA-256 over the run's idempotency key (unique across actors). */
export function accountIdFor(idempotencyKey: string): string {
  return `acc_${createHash("sha256").update(`create_account:${idempotencyKey}`).digest("hex").slice(0, 20)}`;
}

interface OpenedAccount {
  id: string;
  customer_id: string;
  plan: string;
  status: string;
  currency: string;
  balance_cents: string;
  trial_ends_at: Date | null;
  feature_flags: Record<string, boolean>;
  created_at: Date;
}

export const createAccount = defineAction({
  name: "create_account",
  title: "Open an account",
  description:
    "Opens a new account for an active customer with a plan and a currency, the catalog's default features and default notification settings. Safe to retry with the same Idempotency-Key.",
  tags: ["accounts"],
  risk: "medium",
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  params: z.object({
    customerId: customerIdField("The account holder; an active customer."),
    plan: z.enum(PLANS).default("basic").meta({ label: "Plan", widget: "select" }),
    currency: z.enum(CURRENCIES).default("USD").meta({ label: "Currency", widget: "select" }),
    trialDays: z.number().int().min(1).max(90).optional().meta({
      label: "Trial days",
      help: "Optional: days of free trial of the plan (1 to 90).",
      widget: "number",
    }),
  }),
  output: z.object({
    accountId: z.string(),
    customerId: z.string(),
    plan: z.string(),
    currency: z.string(),
    status: z.string(),
    balanceCents: z.number().int(),
    trialEndsAt: z.string().nullable(),
    featureFlags: z.record(z.string(), z.boolean()),
    openedAt: z.string(),
    created: z.boolean(),
  }),
  target: (p) => ({ type: "customer", id: p.customerId }),
  async handler(p, ctx) {
    const customer = await ctx.db.query<{ status: string }>(
      "SELECT status FROM demo.customers WHERE id = $1 FOR KEY SHARE",
      [p.customerId],
    );
    const status = customer.rows[0]?.status;
    if (!status) throw new ActionError("customer_not_found", `There is no customer ${p.customerId}.`);
    if (status !== "active")
      throw new ActionError(
        "customer_not_active",
        `Customer ${p.customerId} is ${status}; accounts are opened only for active customers.`,
      );
    const accountId = accountIdFor(ctx.idempotencyKey);
    const accountsOf = async () =>
      (
        await ctx.db.query<{ id: string }>(
          "SELECT id FROM demo.accounts WHERE customer_id = $1 ORDER BY created_at, id",
          [p.customerId],
        )
      ).rows.map((r) => r.id);
    const before = await accountsOf();
    ctx.snapshot.before({ accounts: before });
    const inserted = await ctx.db.query(
      `INSERT INTO demo.accounts (id, customer_id, plan, currency, trial_ends_at, feature_flags)
       SELECT $1, $2, $3, $4, CASE WHEN $5::int IS NULL THEN NULL ELSE now() + $5::int * interval '1 day' END,
              coalesce((SELECT jsonb_object_agg(key, true) FROM demo.feature_flags WHERE default_enabled), '{}')
       ON CONFLICT (id) DO NOTHING`,
      [accountId, p.customerId, p.plan, p.currency, p.trialDays ?? null],
    );
    const created = inserted.rowCount === 1;
    if (created) {
      await ctx.db.query(
        "INSERT INTO demo.notification_settings (account_id) VALUES ($1) ON CONFLICT DO NOTHING",
        [accountId],
      );
    }
    const account = (
      await ctx.db.query<OpenedAccount>(
        `SELECT id, customer_id, plan, status, currency, balance_cents, trial_ends_at, feature_flags, created_at
           FROM demo.accounts WHERE id = $1`,
        [accountId],
      )
    ).rows[0]!;
    if (account.customer_id !== p.customerId)
      throw new ActionError(
        "idempotency_conflict",
        "This idempotency key already opened an account for someone else.",
      );
    ctx.snapshot.after({
      accounts: await accountsOf(),
      opened: { id: accountId, plan: account.plan, currency: account.currency },
    });
    return {
      accountId,
      customerId: p.customerId,
      plan: account.plan,
      currency: account.currency,
      status: account.status,
      balanceCents: cents(account.balance_cents),
      trialEndsAt: iso(account.trial_ends_at),
      featureFlags: account.feature_flags,
      openedAt: iso(account.created_at)!,
      created,
    };
  },
});
