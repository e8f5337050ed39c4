// Posts journals into the in-memory dataset the way the database will check them: every journal
// balanced, each entry in its account's currency. Keeps running balances so that generators can
// avoid overdrawing an account and the seed never trips the accounts_overdraft CHECK.
import type { AccountRow, Dataset, JournalKind, SystemAccount } from "./dataset.ts";

/** A customer account or a system account. */
export type Party = AccountRow | SystemAccount;

export interface JournalInput {
  kind: JournalKind;
  reference: string;
  at: string;
  memo?: string;
  by?: string;
}

export interface Ledger {
  /** Moves `amountCents` (> 0) from one party to another; returns the journal id. */
  move(journal: JournalInput, from: Party, to: Party, amountCents: number): number;
  balance(accountId: string): number;
}

export function createLedger(data: Dataset): Ledger {
  const balances = new Map<string, number>();
  const references = new Set<string>();
  const entry = (journalId: number, party: Party, currency: AccountRow["currency"], amount: number) => {
    const isAccount = typeof party !== "string";
    data.ledger_entries.push({
      id: data.ledger_entries.length + 1,
      journal_id: journalId,
      account_id: isAccount ? party.id : null,
      system_account_id: isAccount ? null : party,
      currency,
      amount_cents: amount,
    });
    if (isAccount) balances.set(party.id, (balances.get(party.id) ?? 0) + amount);
  };
  return {
    move(journal, from, to, amountCents) {
      if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
        throw new Error(`seed bug: journal ${journal.reference} moves ${amountCents}`);
      }
      if (references.has(journal.reference))
        throw new Error(`seed bug: reference ${journal.reference} twice`);
      references.add(journal.reference);
      const currencies = [from, to].flatMap((p) => (typeof p === "string" ? [] : [p.currency]));
      const currency = currencies[0];
      if (!currency || currencies.some((c) => c !== currency)) {
        throw new Error(`seed bug: journal ${journal.reference} mixes or lacks currencies`);
      }
      const id = data.journals.length + 1;
      data.journals.push({
        id,
        reference: journal.reference,
        kind: journal.kind,
        memo: journal.memo ?? null,
        posted_by: journal.by ?? "seed",
        posted_at: journal.at,
      });
      entry(id, from, currency, -amountCents);
      entry(id, to, currency, amountCents);
      return id;
    },
    balance: (accountId) => balances.get(accountId) ?? 0,
  };
}
