// Money in and out of the generated accounts, always through the ledger: opening deposits,
// monthly deposits, plan bills, goodwill credits, transfers, and finally the top-ups and
// pay-outs that leave every open account with a plausible positive balance and every closed one
// at zero.
import { membersOf } from "../demo-users.ts";
import {
  type AccountRow,
  DAY,
  type Dataset,
  iso,
  isoDate,
  MINUTE,
  monthStart,
  REFERENCE_TIME,
} from "./dataset.ts";
import { type GeneratedAccount, randomBetween } from "./generate-customers.ts";
import type { Ledger } from "./ledger.ts";
import type { Random } from "./random.ts";
import { DEPOSIT_SOURCES } from "./word-lists.ts";

/** Months with deposit history: May to October 2026; November's are still pending. */
const FIRST_MONTH = monthStart(2026, 4);
const CURRENT_MONTH = monthStart(2026, 10);
const CREDIT_REASONS = [
  "Goodwill credit: card delivered late",
  "Goodwill credit: duplicate ATM fee",
  "Promotional credit: referral bonus",
  "Goodwill credit: app outage on payday",
  "Courtesy credit: overdraft fee reversal",
] as const;

export function generateDepositsAndBills(
  data: Dataset,
  ledger: Ledger,
  random: Random,
  population: GeneratedAccount[],
) {
  // Counts delinquent bills so that every third one is shown as already cleared.
  const delinquent = { count: 0 };
  for (const { row: account } of population) {
    const created = Date.parse(account.created_at);
    const opening =
      account.plan === "business"
        ? random.int(200_000, 5_000_000)
        : account.plan === "plus"
          ? random.int(20_000, 500_000)
          : random.int(5_000, 200_000);
    ledger.move(
      {
        kind: "deposit",
        reference: `seed:opening:${account.id}`,
        at: iso(created + 5 * MINUTE),
        memo: "Opening deposit",
      },
      "sys_deposits",
      account,
      opening,
    );
    if (random.chance(account.plan === "business" ? 0.5 : 0.7))
      monthlyDeposits(data, ledger, random, account);
    if (account.plan !== "basic" && account.status !== "closed")
      bills(data, ledger, random, account, delinquent);
  }
}

function monthlyDeposits(data: Dataset, ledger: Ledger, random: Random, account: AccountRow) {
  const created = Date.parse(account.created_at);
  const closed = account.closed_at ? Date.parse(account.closed_at) : Number.POSITIVE_INFINITY;
  const source = random.pick(DEPOSIT_SOURCES);
  const expected =
    account.plan === "business" ? random.int(500_000, 4_000_000) : random.int(120_000, 650_000);
  const day = random.int(1, 28);
  for (
    let month = FIRST_MONTH;
    month <= CURRENT_MONTH;
    month = monthStart(2026, new Date(month).getUTCMonth() + 1)
  ) {
    const expectedOn = month + (day - 1) * DAY;
    if (expectedOn <= created || expectedOn >= closed) continue;
    const id = `dep_${account.id.slice(4)}_${isoDate(month).slice(0, 7).replace("-", "_")}`;
    const base = {
      id,
      account_id: account.id,
      currency: account.currency,
      month: isoDate(month),
      source_name: source,
      expected_cents: expected,
      expected_on: isoDate(expectedOn),
      received_cents: 0,
      received_at: null,
      failure_reason: null,
      journal_id: null,
    };
    if (expectedOn >= REFERENCE_TIME) {
      data.monthly_deposits.push({ ...base, status: "pending" });
      continue;
    }
    const isOctober = month === monthStart(2026, 9);
    const roll = random.next();
    if (roll < (isOctober ? 0.03 : 0.004)) {
      data.monthly_deposits.push({ ...base, status: "late" });
    } else if (roll < (isOctober ? 0.045 : 0.02)) {
      data.monthly_deposits.push({
        ...base,
        status: "failed",
        failure_reason: random.pick([
          "Returned by the sending bank: insufficient funds (R01)",
          "Returned by the sending bank: account closed (R02)",
          "Payer stopped the payment (R08)",
        ]),
      });
    } else {
      const receivedAt = expectedOn + random.int(6 * 60, 20 * 60) * MINUTE;
      const received = random.chance(0.9) ? expected : expected + random.int(-20_000, 20_000);
      const journal = ledger.move(
        { kind: "deposit", reference: `seed:deposit:${id}`, at: iso(receivedAt), memo: source },
        "sys_deposits",
        account,
        received,
      );
      data.monthly_deposits.push({
        ...base,
        status: "received",
        received_cents: received,
        received_at: iso(receivedAt),
        journal_id: journal,
      });
    }
  }
}

/** Plan bills from August; due on the 15th and collected from the balance that day. */
function bills(
  data: Dataset,
  ledger: Ledger,
  random: Random,
  account: AccountRow,
  delinquent: { count: number },
) {
  const created = Date.parse(account.created_at);
  const frozen = account.frozen_at ? Date.parse(account.frozen_at) : Number.POSITIVE_INFINITY;
  const managers = membersOf("support-managers");
  for (const monthIndex of [7, 8, 9, 10]) {
    const period = monthStart(2026, monthIndex);
    if (period < created) continue;
    const due = period + 14 * DAY;
    const usage = account.plan === "business" && random.chance(0.4) ? random.int(500, 25_000) : 0;
    const amount = (account.plan === "business" ? 2_999 : 999) + usage;
    const monthName = isoDate(period).slice(0, 7);
    const row = {
      id: `bill_${account.id.slice(4)}_${monthName.replace("-", "_")}`,
      account_id: account.id,
      currency: account.currency,
      period: isoDate(period),
      description:
        usage > 0 ? `${capitalized(account.plan)} plan and usage` : `${capitalized(account.plan)} plan`,
      amount_due_cents: amount,
      amount_paid_cents: 0,
      due_on: isoDate(due),
      paid_at: null,
      journal_id: null,
      delinquent: false,
      delinquent_since: null,
      cleared_by: null,
      cleared_at: null,
      clear_reason: null,
    };
    if (due >= REFERENCE_TIME) {
      data.bills.push({ ...row, status: "open" });
      continue;
    }
    const lateChance = monthIndex === 9 ? 0.025 : monthIndex === 8 ? 0.012 : 0.006;
    if (random.chance(lateChance) || due >= frozen || ledger.balance(account.id) < amount) {
      // 30 days past due a late bill becomes delinquent; every third was since cleared by a manager.
      const delinquentSince = due + 30 * DAY <= REFERENCE_TIME ? isoDate(due + 30 * DAY) : null;
      if (delinquentSince && ++delinquent.count % 3 === 0) {
        data.bills.push({
          ...row,
          status: "waived",
          cleared_by: random.pick(managers),
          cleared_at: iso(due + 31 * DAY + random.int(0, 600) * MINUTE),
          clear_reason: "Fee waived: customer was in hospital, documents on file",
        });
      } else {
        data.bills.push({
          ...row,
          status: "late",
          delinquent: delinquentSince !== null,
          delinquent_since: delinquentSince,
        });
      }
      continue;
    }
    const paidAt = iso(due + 6 * 60 * MINUTE);
    const journal = ledger.move(
      { kind: "fee", reference: `seed:bill:${row.id}`, at: paidAt, memo: row.description },
      account,
      "sys_fees",
      amount,
    );
    data.bills.push({
      ...row,
      status: "paid",
      amount_paid_cents: amount,
      paid_at: paidAt,
      journal_id: journal,
    });
  }
}

export function generateCreditsAndTransfers(
  data: Dataset,
  ledger: Ledger,
  random: Random,
  population: GeneratedAccount[],
) {
  const open = population.filter((a) => a.row.status !== "closed");
  const support = [...membersOf("support"), ...membersOf("support-managers")];
  for (let n = 0; n < 150; n++) {
    const account = random.pick(open).row;
    const at = randomBetween(
      random,
      Math.max(Date.parse(account.created_at) + DAY, REFERENCE_TIME - 90 * DAY),
      REFERENCE_TIME - MINUTE,
    );
    ledger.move(
      {
        kind: "credit",
        reference: `seed:credit:${n}`,
        at: iso(at),
        memo: random.pick(CREDIT_REASONS),
        by: random.pick(support),
      },
      "sys_credits",
      account,
      random.int(500, 15_000),
    );
  }
  // Between two open accounts of the same customer and currency, initiated by the customer.
  const byOwner = new Map<string, AccountRow[]>();
  for (const { row } of open)
    byOwner.set(`${row.customer_id}|${row.currency}`, [
      ...(byOwner.get(`${row.customer_id}|${row.currency}`) ?? []),
      row,
    ]);
  const pairs = [...byOwner.values()].filter((accounts) => accounts.length > 1);
  for (let n = 0; n < 120 && pairs.length > 0; n++) {
    const accounts = random.pick(pairs);
    const from = random.pick(accounts);
    const to = random.pick(accounts.filter((a) => a !== from));
    const available = ledger.balance(from.id);
    // A frozen account cannot send money.
    if (available < 2_000 || from.status !== "active") continue;
    const at = randomBetween(
      random,
      Math.max(Date.parse(from.created_at), Date.parse(to.created_at)) + DAY,
      REFERENCE_TIME - MINUTE,
    );
    ledger.move(
      {
        kind: "transfer",
        reference: `seed:transfer:${n}`,
        at: iso(at),
        memo: "Transfer between own accounts",
        by: `customer:${from.customer_id}`,
      },
      from,
      to,
      random.int(1_000, Math.floor(available * 0.3)),
    );
  }
  return data;
}

/**
 * Open accounts that spent more than came in get an incoming bank transfer early in their life,
 * so that every balance ends plausible and positive; closed accounts were paid out when closed.
 */
export function balanceAccounts(ledger: Ledger, random: Random, population: GeneratedAccount[]) {
  for (const { row: account } of population) {
    const floor = account.status === "closed" ? 1 : random.int(2_000, 60_000);
    const balance = ledger.balance(account.id);
    if (balance < floor) {
      ledger.move(
        {
          kind: "deposit",
          reference: `seed:topup:${account.id}`,
          at: iso(Date.parse(account.created_at) + DAY),
          memo: "Transfer in from external bank",
        },
        "sys_deposits",
        account,
        floor - balance + random.int(0, 80_000),
      );
    }
    if (account.status === "closed") {
      ledger.move(
        {
          kind: "withdrawal",
          reference: `seed:close:${account.id}`,
          at: iso(Date.parse(account.closed_at!) - 5 * MINUTE),
          memo: "Closing balance paid out to the customer's bank",
        },
        account,
        "sys_deposits",
        ledger.balance(account.id),
      );
    }
  }
}

const capitalized = (text: string) => text[0]!.toUpperCase() + text.slice(1);
