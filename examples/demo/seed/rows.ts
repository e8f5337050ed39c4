// Row builders shared by the fixtures and the generators, so both fill every column the same way.
import {
  type AccountRow,
  type CardRow,
  type Dataset,
  iso,
  MINUTE,
  type NotificationSettingsRow,
  type TransactionRow,
} from "./dataset.ts";
import type { Ledger } from "./ledger.ts";

export function addCard(
  data: Dataset,
  card: Omit<CardRow, "bin" | "last4" | "cancelled_at"> & { cancelled_at?: string | null },
  pan: string,
  /** The number was shredded from the vault (the customer was erased). */
  shredded = false,
): CardRow {
  const row: CardRow = {
    ...card,
    bin: pan.slice(0, 6),
    last4: pan.slice(-4),
    cancelled_at: card.cancelled_at ?? null,
  };
  data.cards.push(row);
  if (!shredded) data.card_vault.push({ token: row.token, pan, stored_at: row.created_at });
  return row;
}

export function defaultNotifications(account: AccountRow): NotificationSettingsRow {
  return {
    account_id: account.id,
    email_enabled: true,
    sms_enabled: false,
    push_enabled: true,
    payment_reminders: true,
    reminder_days_before: 3,
    low_balance_alert_cents: null,
    fraud_alerts: true,
    updated_at: account.created_at,
  };
}

export type TransactionInput = Pick<
  TransactionRow,
  "id" | "account_id" | "kind" | "amount_cents" | "description"
> &
  Partial<TransactionRow> & { occurred: number };

/** A card-network transaction; posted ones get posted_at (six hours later) unless given. */
export function transaction(account: AccountRow, input: TransactionInput): TransactionRow {
  // Written out field by field rather than spread: this runs 100,000 times and spreads allocate.
  const status = input.status ?? "posted";
  return {
    id: input.id,
    account_id: input.account_id,
    card_id: input.card_id ?? null,
    merchant_id: input.merchant_id ?? null,
    kind: input.kind,
    amount_cents: input.amount_cents,
    currency: account.currency,
    description: input.description,
    status,
    source: input.source ?? "card_network",
    external_id: input.external_id ?? null,
    occurred_at: iso(input.occurred),
    posted_at:
      input.posted_at !== undefined
        ? input.posted_at
        : status === "posted"
          ? iso(input.occurred + 6 * 60 * MINUTE)
          : null,
    journal_id: null,
    fraud_flag: input.fraud_flag ?? "none",
    fraud_reason: input.fraud_reason ?? null,
    flagged_at: input.flagged_at ?? null,
    reviewed_by: input.reviewed_by ?? null,
    reviewed_at: input.reviewed_at ?? null,
    review_note: input.review_note ?? null,
  };
}

/**
 * Adds transactions and books their posted card-network activity in the ledger: one `settlement`
 * journal per account and calendar month of posting, at the month's last second (or just before
 * the account closed).
 */
export function addTransactions(
  data: Dataset,
  ledger: Ledger,
  accounts: ReadonlyMap<string, AccountRow>,
  rows: TransactionRow[],
) {
  // Keyed by account, then month as a number (202610): nested maps and numeric keys, because
  // building and hashing 100,000 string keys was a third of this function's time.
  const groups = new Map<string, Map<number, TransactionRow[]>>();
  for (const row of rows) {
    data.transactions.push(row);
    if (row.status !== "posted" || row.source !== "card_network") continue;
    let months = groups.get(row.account_id);
    if (!months) {
      months = new Map();
      groups.set(row.account_id, months);
    }
    const month = yearMonth(row.posted_at!);
    const group = months.get(month);
    if (group) group.push(row);
    else months.set(month, [row]);
  }
  for (const [accountId, months] of groups) {
    const account = accounts.get(accountId)!;
    for (const [month, group] of months) {
      let total = 0;
      for (const row of group) total += row.amount_cents;
      if (total === 0) continue;
      const year = Math.floor(month / 100);
      const monthNumber = month % 100;
      const label = `${year}-${String(monthNumber).padStart(2, "0")}`;
      let at = Date.UTC(year, monthNumber, 1) - 1000;
      if (account.closed_at) at = Math.min(at, Date.parse(account.closed_at) - MINUTE);
      const journal = {
        kind: "settlement",
        reference: `seed:settlement:${accountId}:${label}`,
        at: iso(at),
        memo: `Card settlement ${label}`,
      } as const;
      const id =
        total < 0
          ? ledger.move(journal, account, "sys_settlement", -total)
          : ledger.move(journal, "sys_settlement", account, total);
      for (const row of group) row.journal_id = id;
    }
  }
}

/** 202610 for "2026-10-…", read from the character codes without making substrings. */
function yearMonth(timestamp: string): number {
  const digit = (i: number) => timestamp.charCodeAt(i) - 48;
  return (digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)) * 100 + digit(5) * 10 + digit(6);
}
