// About 100,000 card transactions over the last three months, a few hundred of them flagged for
// fraud review, plus some history imported from customers' previous providers.
import { membersOf } from "../demo-users.ts";
import {
  type AccountRow,
  DAY,
  type Dataset,
  iso,
  MINUTE,
  REFERENCE_TIME,
  type TransactionRow,
} from "./dataset.ts";
import type { GeneratedAccount } from "./generate-customers.ts";
import type { Ledger } from "./ledger.ts";
import { merchantId } from "./merchants.ts";
import { idMaker, type Random } from "./random.ts";
import { addTransactions, transaction } from "./rows.ts";
import { CLEAR_NOTES, CONFIRM_NOTES, FRAUD_REASONS, MERCHANTS, type MerchantSeed } from "./word-lists.ts";

export const TRANSACTION_COUNT = 100_000;
const WINDOW_START = REFERENCE_TIME - 92 * DAY;
const FLAG_COUNTS = { flagged: 300, cleared: 150, confirmed: 40 } as const;

const SHOPS = MERCHANTS.filter((m) => m.weight > 0).map((m) => [m, m.weight] as const);
const ATM = MERCHANTS.find((m) => m.slug === "atm_network")!;

export function generateTransactions(
  data: Dataset,
  ledger: Ledger,
  random: Random,
  population: GeneratedAccount[],
  accountsById: ReadonlyMap<string, AccountRow>,
) {
  const id = idMaker(random);
  const eligible = population.flatMap((account) => {
    const from = Math.max(Date.parse(account.row.created_at) + DAY, WINDOW_START);
    const to = account.row.closed_at
      ? Date.parse(account.row.closed_at) - 60 * MINUTE
      : REFERENCE_TIME - MINUTE;
    // A frozen account's cards decline everything after the freeze.
    const frozen = account.row.frozen_at ? Date.parse(account.row.frozen_at) : Number.POSITIVE_INFINITY;
    return to - from > DAY ? [{ account, from, to, frozen, weight: weightOf(random, account.row) }] : [];
  });
  // Shares proportional to each account's weight, rounded so that the total is exact.
  const totalWeight = eligible.reduce((sum, e) => sum + e.weight, 0);
  const counts = eligible.map((e) => Math.floor((e.weight / totalWeight) * TRANSACTION_COUNT));
  let missing = TRANSACTION_COUNT - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; missing > 0; i = (i + 1) % counts.length, missing--) counts[i]! += 1;

  const rows: TransactionRow[] = [];
  const shop = random.picker(SHOPS);
  for (const [index, { account, from, to, frozen }] of eligible.entries()) {
    for (let n = 0; n < counts[index]!; n++) {
      const occurred = from + Math.floor(random.next() * (to - from));
      rows.push(cardTransaction(random, shop, id("txn", 16), account, occurred, occurred > frozen));
    }
  }
  flagSome(random, rows);
  addTransactions(data, ledger, accountsById, rows);
  addImportedHistory(data, random, id, population);
}

function weightOf(random: Random, account: AccountRow): number {
  return (0.3 + random.next() * 1.4) * (account.plan === "business" ? 2 : 1);
}

function cardTransaction(
  random: Random,
  shop: () => MerchantSeed,
  id: string,
  account: GeneratedAccount,
  occurred: number,
  frozen: boolean,
): TransactionRow {
  const roll = random.next();
  const merchant: MerchantSeed = roll < 0.05 ? ATM : shop();
  // Skewed towards small amounts, as card spending is.
  const major = merchant.min + (merchant.max - merchant.min) * random.next() ** 2;
  let cents =
    merchant === ATM ? Math.max(1, Math.round(major / 20)) * 2_000 : Math.max(100, Math.round(major * 100));
  const kind: TransactionRow["kind"] =
    merchant === ATM
      ? "atm_withdrawal"
      : roll > 0.98
        ? "card_refund"
        : merchant.online
          ? "online_purchase"
          : "card_purchase";
  if (kind !== "card_refund") cents = -cents;
  const recent = occurred > REFERENCE_TIME - 2 * DAY;
  const postedAt = occurred + random.int(2, 30) * 60 * MINUTE;
  const status: TransactionRow["status"] =
    random.chance(0.01) || frozen ? "declined" : recent || postedAt >= REFERENCE_TIME ? "pending" : "posted";
  // A literal rather than rows.ts's transaction(): this runs 100,000 times.
  return {
    id,
    account_id: account.row.id,
    card_id: random.pick(account.cards).id,
    merchant_id: merchantId(merchant),
    kind,
    amount_cents: cents,
    currency: account.row.currency,
    description:
      merchant === ATM
        ? "ATM withdrawal, Allpoint network"
        : kind === "card_refund"
          ? `Refund: ${merchant.name}`
          : merchant.name,
    status,
    source: "card_network",
    external_id: null,
    occurred_at: iso(occurred),
    posted_at: status === "posted" ? iso(postedAt) : null,
    journal_id: null,
    fraud_flag: "none",
    fraud_reason: null,
    flagged_at: null,
    reviewed_by: null,
    reviewed_at: null,
    review_note: null,
  };
}

/**
 * Flags recent transactions for review. Risky ones first (high-risk merchants, large amounts),
 * as a real rule engine would; some flags are already cleared or confirmed by the risk team.
 */
function flagSome(random: Random, rows: TransactionRow[]) {
  const riskyMerchants = new Set(MERCHANTS.filter((m) => m.risk !== "low").map(merchantId));
  // ISO timestamps compare as strings: no need to parse 100,000 of them.
  const since = iso(REFERENCE_TIME - 45 * DAY);
  const candidates = rows.filter(
    (r) => r.status !== "declined" && r.occurred_at > since && r.amount_cents < 0,
  );
  const isRisky = (r: TransactionRow) => riskyMerchants.has(r.merchant_id!) || r.amount_cents < -50_000;
  const risky = candidates.filter(isRisky);
  const others = candidates.filter((r) => !isRisky(r));
  const chosen = new Set<TransactionRow>();
  const total = FLAG_COUNTS.flagged + FLAG_COUNTS.cleared + FLAG_COUNTS.confirmed;
  while (chosen.size < total) {
    const pool = random.chance(0.6) && risky.length > 0 ? risky : others;
    chosen.add(random.pick(pool));
  }
  const reviewers = membersOf("risk");
  let index = 0;
  for (const row of chosen) {
    const outcome =
      index < FLAG_COUNTS.flagged
        ? "flagged"
        : index < FLAG_COUNTS.flagged + FLAG_COUNTS.cleared
          ? "cleared"
          : "confirmed";
    index++;
    const flaggedAt = Date.parse(row.occurred_at) + random.int(1, 30) * MINUTE;
    row.fraud_flag = outcome;
    row.fraud_reason = random.pick(FRAUD_REASONS);
    row.flagged_at = iso(flaggedAt);
    if (outcome !== "flagged") {
      row.reviewed_by = random.pick(reviewers);
      row.reviewed_at = iso(Math.min(flaggedAt + random.int(20, 48 * 60) * MINUTE, REFERENCE_TIME - MINUTE));
      row.review_note = random.pick(outcome === "cleared" ? CLEAR_NOTES : CONFIRM_NOTES);
    }
  }
}

/** Statement lines imported at onboarding; they happened elsewhere, so they move no money here. */
function addImportedHistory(
  data: Dataset,
  random: Random,
  id: (prefix: string, length?: number) => string,
  population: GeneratedAccount[],
) {
  const recent = population.filter(
    (a) => a.row.status === "active" && Date.parse(a.row.created_at) > REFERENCE_TIME - 150 * DAY,
  );
  for (let n = 0; n < 25 && recent.length > 0; n++) {
    const account = recent.splice(random.int(0, recent.length - 1), 1)[0]!;
    const created = Date.parse(account.row.created_at);
    const count = random.int(20, 60);
    for (let k = 0; k < count; k++) {
      const occurred = created - random.int(1, 400) * DAY - random.int(0, 1_439) * MINUTE;
      const merchant = random.weighted(SHOPS);
      const cents = Math.max(
        100,
        Math.round((merchant.min + (merchant.max - merchant.min) * random.next() ** 2) * 100),
      );
      data.transactions.push(
        transaction(account.row, {
          id: id("txn", 16),
          account_id: account.row.id,
          merchant_id: merchantId(merchant),
          kind: merchant.online ? "online_purchase" : "card_purchase",
          amount_cents: -cents,
          description: `Imported: ${merchant.name}`,
          source: "import",
          external_id: `prev-${random.chars(10)}`,
          occurred,
          posted_at: iso(occurred + DAY),
        }),
      );
    }
  }
}
