// Shared by the money and support-desk actions: reading accounts and payments, posting journals,
// and turning the database's named constraints into ActionErrors a person can act on.
import { createHash } from "node:crypto";
import {
  type ActionDatabase,
  ActionError,
  type Actor,
  type HandlerContext,
  z,
} from "../../../src/sdk/index.ts";

/** Who did it, for the domain's `posted_by`, `requested_by`, `cleared_by` and `read_by` columns. */
export function actorLabel(actor: Actor): string {
  return actor.email ?? (actor.name || actor.id);
}

/**
 * The domain reference for a run's effect (journals.reference, refunds.reference): the run's
 * idempotency key, which is unique per client request across actors. `journals.reference` holds
 * at most 200 characters, so a longer key (up to 255 + the actor id) is replaced by its hash.
 */
export function domainReference(idempotencyKey: string): string {
  return idempotencyKey.length <= 200
    ? idempotencyKey
    : `sha256:${createHash("sha256").update(idempotencyKey).digest("hex")}`;
}

/** bigint columns arrive as strings from `pg`; amounts stay far below 2^53. */
export const cents = (value: unknown): number => Number(value);

const formatters = new Map<string, Intl.NumberFormat>();
/** 72500, "USD" → "$725.00", for messages. */
export function formatCents(amount: number, currency: string): string {
  let format = formatters.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-US", { style: "currency", currency });
    formatters.set(currency, format);
  }
  return format.format(amount / 100);
}

/** The `constraint` PostgreSQL named in an error (CHECKs, unique keys, RAISE … USING CONSTRAINT). */
export function constraintOf(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === "string" ? constraint : undefined;
}

/**
 * Runs `work` and turns a database error on one of the named constraints into an ActionError;
 * any other error is rethrown as is (a bug: `handler.failed`).
 */
export async function translatingConstraints<T>(
  work: () => Promise<T>,
  refusals: Record<string, (error: Error) => ActionError>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const refuse = refusals[constraintOf(error) ?? ""];
    if (refuse) throw refuse(error as Error);
    throw error;
  }
}

// --- Fields, so every action's form reads the same ---------------------------------------------

export const accountIdField = (label = "Account", help = "The account's id, e.g. acc_demo_alice.") =>
  z
    .string()
    .trim()
    .regex(/^acc_[a-z0-9_]+$/, "An account id looks like acc_…")
    .meta({
      label,
      help,
      placeholder: "Name, email, last 4 digits or acc_…",
      widget: "lookup",
      lookup: "find_account",
    });

export const paymentIdField = () =>
  z
    .string()
    .trim()
    .regex(/^pay_[a-z0-9_]+$/, "A payment id looks like pay_…")
    .meta({
      label: "Payment",
      help: "The payment's id, e.g. pay_demo_1.",
      placeholder: "pay_…",
      widget: "text",
    });

export const moneyField = (label: string, help: string, max: number) =>
  z
    .number()
    .int("Whole cents only")
    .positive("Must be more than zero")
    .max(max, `At most ${formatCents(max, "USD")}`)
    .meta({ label, help, widget: "money" });

export const reasonField = (label: string, help: string) =>
  z.string().trim().min(10, "Give at least 10 characters").max(500).meta({ label, help, widget: "textarea" });

// --- Accounts ------------------------------------------------------------------------------------

export interface Account {
  id: string;
  customerId: string;
  plan: string;
  status: "active" | "frozen" | "closed";
  currency: string;
  balanceCents: number;
  overdraftLimitCents: number;
}

const ACCOUNT_COLUMNS = `id, customer_id, plan, status, currency, balance_cents, overdraft_limit_cents`;

function toAccount(row: Record<string, unknown>): Account {
  return {
    id: row.id as string,
    customerId: row.customer_id as string,
    plan: row.plan as string,
    status: row.status as Account["status"],
    currency: row.currency as string,
    balanceCents: cents(row.balance_cents),
    overdraftLimitCents: cents(row.overdraft_limit_cents),
  };
}

/**
 * The accounts, by id, or `account_not_found`. With `lock`, the rows are locked in id order (the
 * order the ledger trigger locks them in, so two transfers in opposite directions cannot
 * deadlock) and a balance check made now still holds when the journal is posted.
 */
export async function loadAccounts(
  db: ActionDatabase,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<Map<string, Account>> {
  const result = await db.query(
    `SELECT ${ACCOUNT_COLUMNS} FROM demo.accounts WHERE id = ANY ($1) ORDER BY id${options.lock ? " FOR NO KEY UPDATE" : ""}`,
    [ids],
  );
  const found = new Map(result.rows.map((row) => [row.id as string, toAccount(row)]));
  for (const id of ids) {
    if (!found.has(id))
      throw new ActionError("account_not_found", `There is no account ${id}.`, { accountId: id });
  }
  return found;
}

export async function loadAccount(db: ActionDatabase, id: string, options: { lock?: boolean } = {}) {
  return (await loadAccounts(db, [id], options)).get(id)!;
}

export async function balanceOf(db: ActionDatabase, id: string): Promise<number> {
  const result = await db.query("SELECT balance_cents FROM demo.accounts WHERE id = $1", [id]);
  return cents(result.rows[0]?.balance_cents);
}

/** What a reviewer sees of an account (`describe`). */
export async function describeAccount(db: ActionDatabase, id: string) {
  const result = await db.query(
    `SELECT a.id, a.customer_id, a.plan, a.status, a.currency, a.balance_cents, a.overdraft_limit_cents,
            p.title AS plan_title
       FROM demo.accounts a JOIN demo.plans p ON p.plan = a.plan WHERE a.id = $1`,
    [id],
  );
  const row = result.rows[0];
  if (!row) return { found: false, accountId: id };
  const account = toAccount(row);
  const credits = await db.query(
    `SELECT j.posted_at, e.amount_cents, j.posted_by, j.memo
       FROM demo.ledger_entries e JOIN demo.journals j ON j.id = e.journal_id
      WHERE e.account_id = $1 AND j.kind = 'credit'
      ORDER BY e.id DESC LIMIT 5`,
    [id],
  );
  return {
    found: true,
    accountId: account.id,
    customerId: account.customerId,
    plan: row.plan_title as string,
    status: account.status,
    currency: account.currency,
    balance: formatCents(account.balanceCents, account.currency),
    balanceCents: account.balanceCents,
    overdraftLimitCents: account.overdraftLimitCents,
    recentCredits: credits.rows.map((c) => ({
      postedAt: (c.posted_at as Date).toISOString(),
      amount: formatCents(cents(c.amount_cents), account.currency),
      postedBy: c.posted_by as string,
      memo: c.memo as string | null,
    })),
  };
}

// --- Payments -----------------------------------------------------------------------------------

export interface Payment {
  id: string;
  accountId: string;
  cardId: string;
  merchantId: string;
  merchantName: string;
  currency: string;
  amountCents: number;
  refundedCents: number;
  status: "pending" | "succeeded" | "failed" | "reversed";
  statusReason: string | null;
  confirmationCode: string;
  description: string | null;
  journalId: number | null;
  createdAt: string;
  openDisputeId: string | null;
}

/** The payment, or `payment_not_found`. `lock` locks the payment row (not the merchant's). */
export async function loadPayment(
  db: ActionDatabase,
  where: { id: string } | { confirmationCode: string },
  options: { lock?: boolean } = {},
): Promise<Payment> {
  const byId = "id" in where;
  const result = await db.query(
    `SELECT p.id, p.account_id, p.card_id, p.merchant_id, m.name AS merchant_name, p.currency,
            p.amount_cents, p.refunded_cents, p.status, p.status_reason, p.confirmation_code,
            p.description, p.journal_id, p.created_at,
            (SELECT d.id FROM demo.disputes d WHERE d.payment_id = p.id AND d.status = 'open') AS open_dispute_id
       FROM demo.payments p JOIN demo.merchants m ON m.id = p.merchant_id
      WHERE ${byId ? "p.id" : "p.confirmation_code"} = $1
      ${options.lock ? "FOR NO KEY UPDATE OF p" : ""}`,
    [byId ? where.id : where.confirmationCode],
  );
  const row = result.rows[0];
  if (!row) {
    throw byId
      ? new ActionError("payment_not_found", `There is no payment ${where.id}.`, { paymentId: where.id })
      : new ActionError(
          "payment_not_found",
          `No payment has the confirmation code ${where.confirmationCode}.`,
        );
  }
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    cardId: row.card_id as string,
    merchantId: row.merchant_id as string,
    merchantName: row.merchant_name as string,
    currency: row.currency as string,
    amountCents: cents(row.amount_cents),
    refundedCents: cents(row.refunded_cents),
    status: row.status as Payment["status"],
    statusReason: row.status_reason as string | null,
    confirmationCode: row.confirmation_code as string,
    description: row.description as string | null,
    journalId: row.journal_id === null ? null : cents(row.journal_id),
    createdAt: (row.created_at as Date).toISOString(),
    openDisputeId: row.open_dispute_id as string | null,
  };
}

/** What a reviewer sees of a payment (`describe`). */
export async function describePayment(db: ActionDatabase, id: string) {
  let payment: Payment;
  try {
    payment = await loadPayment(db, { id });
  } catch (error) {
    if (error instanceof ActionError) return { found: false, paymentId: id };
    throw error;
  }
  const refunds = await db.query(
    `SELECT id, amount_cents, status, reason, requested_by, created_at
       FROM demo.refunds WHERE payment_id = $1 ORDER BY created_at`,
    [id],
  );
  const balance = await balanceOf(db, payment.accountId);
  const money = (amount: number) => formatCents(amount, payment.currency);
  return {
    found: true,
    paymentId: payment.id,
    status: payment.status,
    statusReason: payment.statusReason,
    merchant: payment.merchantName,
    accountId: payment.accountId,
    amount: money(payment.amountCents),
    refunded: money(payment.refundedCents),
    refundable:
      payment.status === "succeeded" ? money(payment.amountCents - payment.refundedCents) : money(0),
    openDispute: payment.openDisputeId,
    createdAt: payment.createdAt,
    accountBalance: money(balance),
    refunds: refunds.rows.map((r) => ({
      refundId: r.id as string,
      amount: money(cents(r.amount_cents)),
      status: r.status as string,
      reason: r.reason as string,
      requestedBy: r.requested_by as string,
      createdAt: (r.created_at as Date).toISOString(),
    })),
  };
}

// --- Journals -----------------------------------------------------------------------------------

export interface Entry {
  accountId?: string;
  systemAccountId?: string;
  currency: string;
  amountCents: number;
}

/** Posts one journal through `demo.post_journal` (entries in one statement); returns its id. */
export async function postJournal(
  db: ActionDatabase,
  journal: { reference: string; kind: string; memo: string; postedBy: string; entries: Entry[] },
): Promise<number> {
  const entries = journal.entries.map((e) => ({
    ...(e.accountId ? { account_id: e.accountId } : { system_account_id: e.systemAccountId }),
    currency: e.currency,
    amount_cents: e.amountCents,
  }));
  const result = await db.query<{ id: string }>("SELECT demo.post_journal($1, $2, $3, $4, $5::jsonb) AS id", [
    journal.reference,
    journal.kind,
    journal.memo,
    journal.postedBy,
    JSON.stringify(entries),
  ]);
  return cents(result.rows[0]!.id);
}

/** Refusals every posting can meet. */
export const postingRefusals = (currency: string): Record<string, (error: Error) => ActionError> => ({
  journals_reference_key: () =>
    new ActionError(
      "already_posted",
      "This request was already posted to the ledger (same idempotency key); nothing was posted again.",
    ),
  accounts_postable: (error) =>
    new ActionError(
      "account_not_postable",
      // The trigger's message names the account and its status ("account acc_x is closed: …").
      `The ledger refused the posting: ${error.message}.`,
    ),
  // The composite foreign key proves an entry's currency is its account's.
  ledger_entries_account_fkey: () =>
    new ActionError(
      "currency_mismatch",
      `An account of this posting is not in ${currency}; nothing was posted.`,
    ),
  accounts_overdraft: () =>
    new ActionError(
      "insufficient_funds",
      `The account does not have enough funds in ${currency} (balance and overdraft limit); nothing was posted.`,
    ),
});

/**
 * Posts a run's journal: its reference is the run's idempotency key (so a retried request never
 * posts twice), posted by the run's actor, with the refusals every posting can meet.
 */
export function postRunJournal(
  ctx: Pick<HandlerContext, "db" | "idempotencyKey" | "actor">,
  journal: { kind: string; memo: string; currency: string; entries: Entry[] },
): Promise<number> {
  return translatingConstraints(
    () =>
      postJournal(ctx.db, {
        reference: domainReference(ctx.idempotencyKey),
        kind: journal.kind,
        memo: journal.memo,
        postedBy: actorLabel(ctx.actor),
        entries: journal.entries,
      }),
    postingRefusals(journal.currency),
  );
}
