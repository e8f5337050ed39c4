// The generated population: about 1,000 customers with about 2,000 accounts, their cards,
// admins and notification settings. Money comes later (generate-money.ts).
import {
  type AccountRow,
  type CardRow,
  type Currency,
  type CustomerRow,
  DAY,
  type Dataset,
  iso,
  isoDate,
  type Plan,
  REFERENCE_TIME,
} from "./dataset.ts";
import { type CardBrand, emailFor, fictionalPhone, invalidSsn, testCardNumber } from "./fake-identity.ts";
import type { Reserved } from "./fixture-builder.ts";
import { idMaker, type Random } from "./random.ts";
import { addCard, defaultNotifications } from "./rows.ts";
import { CITIES, type Country, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS } from "./word-lists.ts";

export const CUSTOMER_COUNT = 1_000;

export interface GeneratedAccount {
  row: AccountRow;
  customer: CustomerRow;
  cards: CardRow[];
}

const FLAGS = [
  "virtual_cards",
  "instant_transfers",
  "crypto_trading",
  "international_wires",
  "savings_pots",
  "early_paycheck",
] as const;

export function generateCustomers(data: Dataset, random: Random, reserved: Reserved): GeneratedAccount[] {
  const id = idMaker(random);
  const accounts: GeneratedAccount[] = [];
  const liveCustomers: CustomerRow[] = [];
  const start = Date.UTC(2023, 0, 1);
  for (let i = 0; i < CUSTOMER_COUNT; i++) {
    const country = random.weighted<Country>([
      ["US", 85],
      ["GB", 5],
      ["DE", 4],
      ["FR", 3],
      ["NL", 3],
    ]);
    const createdAt = start + random.int(0, Math.floor((REFERENCE_TIME - 7 * DAY - start) / 60_000)) * 60_000;
    const erasedAt = random.chance(0.005)
      ? randomBetween(random, createdAt + 60 * DAY, REFERENCE_TIME - DAY)
      : null;
    const customer =
      erasedAt !== null
        ? tombstone(id("cus"), country, createdAt, erasedAt)
        : person(random, id("cus"), country, createdAt, reserved);
    data.customers.push(customer);
    if (erasedAt === null) liveCustomers.push(customer);

    const count = random.weighted([
      [1, 30],
      [2, 40],
      [3, 30],
    ]);
    for (let n = 0; n < count; n++) {
      const account = makeAccount(random, id, customer, country, erasedAt);
      data.accounts.push(account);
      data.notification_settings.push(notifications(random, account));
      const cards = makeCards(data, random, id, account, reserved, erasedAt !== null);
      accounts.push({ row: account, customer, cards });
      if (account.plan === "business" && erasedAt === null) {
        data.account_admins.push({
          account_id: account.id,
          customer_id: customer.id,
          granted_at: account.created_at,
          granted_by: "seed",
        });
        const colleague = liveCustomers.length > 1 ? random.pick(liveCustomers) : customer;
        if (colleague !== customer && random.chance(0.5)) {
          data.account_admins.push({
            account_id: account.id,
            customer_id: colleague.id,
            granted_at: iso(Date.parse(account.created_at) + random.int(1, 90) * DAY),
            granted_by: "seed",
          });
        }
      }
    }
  }
  return accounts;
}

function person(
  random: Random,
  id: string,
  country: Country,
  createdAt: number,
  reserved: Reserved,
): CustomerRow {
  const first = random.pick(FIRST_NAMES[country]);
  const last = random.pick(LAST_NAMES[country]);
  let email = emailFor(first, last, random, random.pick(EMAIL_DOMAINS));
  while (reserved.emails.has(email)) email = email.replace("@", `${random.int(0, 9)}@`);
  reserved.emails.add(email);
  const [city, region, postal] = random.pick(CITIES[country]);
  const street = random.pick(STREETS[country]);
  const number = random.int(1, 9800);
  const born = Date.UTC(1950, 0, 1) + random.int(0, 54 * 365) * DAY;
  return {
    id,
    name: `${first} ${last}`,
    email,
    phone: fictionalPhone(random, country),
    ssn: country === "US" ? invalidSsn(random) : null,
    address_line1: country === "US" || country === "GB" ? `${number} ${street}` : `${street} ${number % 200}`,
    city,
    region,
    postal_code: postalCode(random, country, postal),
    country,
    date_of_birth: isoDate(born),
    status: random.chance(0.01) ? "suspended" : "active",
    created_at: iso(createdAt),
    erased_at: null,
  };
}

function postalCode(random: Random, country: Country, prefix: string): string {
  const digits = (n: number) => random.chars(n, "0123456789");
  switch (country) {
    case "US":
      return prefix + digits(2);
    case "GB":
      return `${prefix}${random.int(1, 9)}${random.chars(2, "ABDEFGHJLNPQRSTUWXYZ")}`;
    case "NL":
      return `${prefix}${digits(2)} ${random.chars(2, "ABCDEFGHJKLMNPRSTVWXZ")}`;
    default:
      return prefix + digits(2);
  }
}

/** What an erased customer looks like: no personal data left, the row kept for the records. */
function tombstone(id: string, country: Country, createdAt: number, erasedAt: number): CustomerRow {
  return {
    id,
    name: null,
    email: null,
    phone: null,
    ssn: null,
    address_line1: null,
    city: null,
    region: null,
    postal_code: null,
    country,
    date_of_birth: null,
    status: "erased",
    created_at: iso(createdAt),
    erased_at: iso(erasedAt),
  };
}

function makeAccount(
  random: Random,
  id: (prefix: string) => string,
  customer: CustomerRow,
  country: Country,
  erasedAt: number | null,
): AccountRow {
  const customerCreated = Date.parse(customer.created_at);
  const latest = Math.min(erasedAt ?? REFERENCE_TIME, REFERENCE_TIME) - 5 * DAY;
  const createdAt = randomBetween(
    random,
    customerCreated + 60_000,
    Math.max(customerCreated + 60_000, latest),
  );
  const plan = random.weighted<Plan>([
    ["basic", 55],
    ["plus", 30],
    ["business", 15],
  ]);
  const currency: Currency =
    country === "US"
      ? random.chance(0.03)
        ? "EUR"
        : "USD"
      : country === "GB"
        ? random.chance(0.2)
          ? "EUR"
          : "GBP"
        : "EUR";
  let status: AccountRow["status"] = random.weighted([
    ["active", 92],
    ["frozen", 3],
    ["closed", 5],
  ]);
  let closedAt: number | null = null;
  if (erasedAt !== null) {
    // Accounts are closed (and paid out) before their owner can be erased.
    status = "closed";
    closedAt = randomBetween(random, createdAt + 3_600_000, erasedAt - 3_600_000);
  } else if (status === "closed") {
    const last = REFERENCE_TIME - DAY;
    if (createdAt + 30 * DAY < last) closedAt = randomBetween(random, createdAt + 30 * DAY, last);
    else status = "active";
  }
  const frozenAt =
    status === "frozen"
      ? randomBetween(random, Math.max(createdAt, REFERENCE_TIME - 30 * DAY), REFERENCE_TIME - DAY)
      : null;
  const recent = REFERENCE_TIME - createdAt < 60 * DAY;
  const flags: Record<string, boolean> = {};
  for (const flag of FLAGS)
    if (random.chance(plan === "basic" ? 0.15 : 0.35)) flags[flag] = random.chance(0.85);
  if (plan === "business" && random.chance(0.6)) flags.api_access = true;
  return {
    id: id("acc"),
    customer_id: customer.id,
    plan,
    status,
    currency,
    overdraft_limit_cents: plan === "business" ? random.pick([0, 50_000, 100_000, 250_000, 500_000]) : 0,
    trial_ends_at: plan !== "basic" && recent ? iso(createdAt + 30 * DAY) : null,
    feature_flags: flags,
    created_at: iso(createdAt),
    frozen_at: frozenAt === null ? null : iso(frozenAt),
    closed_at: closedAt === null ? null : iso(closedAt),
  };
}

function notifications(random: Random, account: AccountRow) {
  return {
    ...defaultNotifications(account),
    email_enabled: random.chance(0.9),
    sms_enabled: random.chance(0.3),
    push_enabled: random.chance(0.75),
    payment_reminders: random.chance(0.8),
    reminder_days_before: random.pick([1, 2, 3, 3, 5, 7]),
    low_balance_alert_cents: random.chance(0.25) ? random.pick([1_000, 2_500, 5_000, 10_000]) : null,
  };
}

function makeCards(
  data: Dataset,
  random: Random,
  id: (prefix: string, length?: number) => string,
  account: AccountRow,
  reserved: Reserved,
  erased: boolean,
): CardRow[] {
  const count =
    account.status === "closed"
      ? 1
      : random.weighted([
          [1, 70],
          [2, 30],
        ]);
  const cards: CardRow[] = [];
  for (let n = 0; n < count; n++) {
    const brand = random.weighted<CardBrand>([
      ["visa", 60],
      ["mastercard", 35],
      ["amex", 5],
    ]);
    let pan = testCardNumber(random, brand);
    while (reserved.pans.has(pan)) pan = testCardNumber(random, brand);
    reserved.pans.add(pan);
    const status: CardRow["status"] =
      account.status === "closed" ? "cancelled" : account.status === "frozen" ? "frozen" : "active";
    const card = addCard(
      data,
      {
        id: id("card"),
        account_id: account.id,
        token: id("tok", 24),
        brand,
        exp_month: random.int(1, 12),
        exp_year: random.int(2027, 2031),
        form: n === 0 ? "physical" : "virtual",
        status,
        created_at: account.created_at,
        cancelled_at: status === "cancelled" ? account.closed_at : null,
      },
      pan,
      erased,
    );
    cards.push(card);
  }
  return cards;
}

export function randomBetween(random: Random, from: number, to: number): number {
  if (to <= from) return from;
  return from + Math.floor(random.next() * (to - from));
}
