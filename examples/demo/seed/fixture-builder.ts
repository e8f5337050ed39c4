// Small helpers that write one fixture row (and its ledger postings) at a time, filling in the
// columns every fixture shares, so that fixture-rows.ts reads as the list of facts it promises.
import type {
  AccountRow,
  CustomerRow,
  Dataset,
  MonthlyDepositRow,
  PaymentRow,
  TransactionRow,
} from "./dataset.ts";
import { iso, MINUTE } from "./dataset.ts";
import type { Ledger } from "./ledger.ts";
import { addCard, addTransactions, defaultNotifications, transaction } from "./rows.ts";

/** What the generators must not reuse. */
export interface Reserved {
  emails: Set<string>;
  pans: Set<string>;
}

/** One card transaction: id, kind, merchant slug, signed amount, description, time, extra columns. */
export type FixtureTransaction = [
  id: string,
  kind: TransactionRow["kind"],
  merchant: string,
  amountCents: number,
  description: string,
  occurredAt: string,
  extra?: Partial<TransactionRow>,
];

export function createFixtureBuilder(data: Dataset, ledger: Ledger, reserved: Reserved) {
  const accounts = new Map<string, AccountRow>();
  return {
    customer(
      id: string,
      name: string,
      email: string,
      phone: string,
      ssn: string,
      [line1, city, region, postal]: [string, string, string, string],
      dateOfBirth: string,
      createdAt: string,
    ) {
      const row: CustomerRow = {
        id,
        name,
        email,
        phone,
        ssn,
        address_line1: line1,
        city,
        region,
        postal_code: postal,
        country: "US",
        date_of_birth: dateOfBirth,
        status: "active",
        created_at: createdAt,
        erased_at: null,
      };
      data.customers.push(row);
      reserved.emails.add(email);
    },

    /** An account with an opening deposit five minutes after it was created. */
    account(
      row: Pick<AccountRow, "id" | "customer_id" | "plan" | "created_at"> & Partial<AccountRow>,
      openingCents: number,
    ): AccountRow {
      const full: AccountRow = {
        status: "active",
        currency: "USD",
        overdraft_limit_cents: 0,
        trial_ends_at: null,
        feature_flags: {},
        frozen_at: null,
        closed_at: null,
        ...row,
      };
      data.accounts.push(full);
      data.notification_settings.push(defaultNotifications(full));
      accounts.set(full.id, full);
      const opened = iso(Date.parse(full.created_at) + 5 * MINUTE);
      ledger.move(
        { kind: "deposit", reference: `seed:opening:${full.id}`, at: opened, memo: "Opening deposit" },
        "sys_deposits",
        full,
        openingCents,
      );
      return full;
    },

    card(id: string, owner: AccountRow, brand: "visa" | "mastercard" | "amex", pan: string): string {
      reserved.pans.add(pan);
      addCard(
        data,
        {
          id,
          account_id: owner.id,
          token: `tok_${id.replace(/[^a-z0-9]/g, "")}`,
          brand,
          exp_month: 12,
          exp_year: 2029,
          form: "physical",
          status: "active",
          created_at: owner.created_at,
        },
        pan,
      );
      return id;
    },

    /** Card activity, booked by the same monthly settlement journals as the generated data. */
    activity(owner: AccountRow, cardId: string, rows: FixtureTransaction[]) {
      addTransactions(
        data,
        ledger,
        accounts,
        rows.map(([id, kind, merchant, amount, description, occurredAt, extra]) =>
          transaction(owner, {
            ...extra,
            id,
            kind,
            account_id: owner.id,
            card_id: cardId,
            merchant_id: `mer_${merchant}`,
            amount_cents: amount,
            description,
            occurred: Date.parse(occurredAt),
          }),
        ),
      );
    },

    /** A monthly deposit expected on the 25th; a received one is booked that morning. */
    deposit(
      owner: AccountRow,
      id: string,
      month: string,
      source: string,
      cents: number,
      status: MonthlyDepositRow["status"],
      failure: string | null = null,
    ) {
      const expectedOn = `${month.slice(0, 8)}25`;
      const received = status === "received" ? `${expectedOn}T09:00:00.000Z` : null;
      const journal = received
        ? ledger.move(
            { kind: "deposit", reference: `seed:deposit:${id}`, at: received, memo: source },
            "sys_deposits",
            owner,
            cents,
          )
        : null;
      data.monthly_deposits.push({
        id,
        account_id: owner.id,
        currency: owner.currency,
        month,
        source_name: source,
        expected_cents: cents,
        received_cents: received ? cents : 0,
        expected_on: expectedOn,
        status,
        received_at: received,
        failure_reason: failure,
        journal_id: journal,
      });
    },

    /** A Plus plan bill ($9.99) due on the 15th; a paid one is collected that morning. */
    bill(
      owner: AccountRow,
      id: string,
      period: string,
      status: "paid" | "open" | "late",
      delinquentSince: string | null = null,
    ) {
      const dueOn = `${period.slice(0, 8)}15`;
      const paidAt = status === "paid" ? `${dueOn}T06:00:00.000Z` : null;
      const journal = paidAt
        ? ledger.move(
            {
              kind: "fee",
              reference: `seed:bill:${id}`,
              at: paidAt,
              memo: `Plus plan ${period.slice(0, 7)}`,
            },
            owner,
            "sys_fees",
            999,
          )
        : null;
      data.bills.push({
        id,
        account_id: owner.id,
        currency: owner.currency,
        period,
        description: "Plus plan",
        amount_due_cents: 999,
        amount_paid_cents: paidAt ? 999 : 0,
        due_on: dueOn,
        status,
        paid_at: paidAt,
        journal_id: journal,
        delinquent: delinquentSince !== null,
        delinquent_since: delinquentSince,
        cleared_by: null,
        cleared_at: null,
        clear_reason: null,
      });
    },

    /** A succeeded payment to a merchant, booked at its creation time. */
    payment(
      owner: AccountRow,
      row: Pick<
        PaymentRow,
        "id" | "card_id" | "merchant_id" | "amount_cents" | "confirmation_code" | "description" | "created_at"
      >,
      merchantName: string,
    ) {
      const journal = ledger.move(
        { kind: "payment", reference: `seed:payment:${row.id}`, at: row.created_at, memo: merchantName },
        owner,
        "sys_settlement",
        row.amount_cents,
      );
      data.payments.push({
        ...row,
        account_id: owner.id,
        currency: owner.currency,
        status: "succeeded",
        status_reason: null,
        journal_id: journal,
        updated_at: row.created_at,
      });
    },
  };
}
