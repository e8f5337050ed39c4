// GDPR art. 15 / CCPA right to know: everything the demo fintech holds about one customer, in one
// document. Every personal field is classified in the output schema, so Airlock shows the export
// masked (in the API, the UI and the audit). A compliance officer (reveal:* on privacy actions)
// reveals every field at once for the subject access request, with one reason, audited once, and
// downloads the unmasked package (POST /api/v1/runs/{id}/reveal-all, docs/pii.md). The full card
// numbers are not part of it: they never leave the vault (BIN and last four are).
import { ActionError, defineAction, type KnownPiiClass, z } from "../../../src/sdk/index.ts";
import { cents, customerIdField, iso } from "./customer-common.ts";

const pii = (piiClass: KnownPiiClass) => z.string().nullable().meta({ pii: piiClass });

const exportSchema = z.object({
  customerId: z.string(),
  exportedAt: z.string(),
  status: z.string(),
  customerSince: z.string(),
  erasedAt: z.string().nullable(),
  profile: z.object({
    name: pii("name"),
    email: pii("email"),
    phone: pii("phone"),
    ssn: pii("ssn"),
    addressLine1: pii("address"),
    city: pii("address"),
    region: pii("address"),
    postalCode: pii("address"),
    country: z.string(),
    dateOfBirth: pii("dob"),
  }),
  accounts: z.array(
    z.object({
      accountId: z.string(),
      plan: z.string(),
      status: z.string(),
      currency: z.string(),
      balanceCents: z.number().int(),
      overdraftLimitCents: z.number().int(),
      trialEndsAt: z.string().nullable(),
      featureFlags: z.record(z.string(), z.boolean()),
      openedAt: z.string(),
      closedAt: z.string().nullable(),
    }),
  ),
  administeredAccounts: z.array(z.object({ accountId: z.string(), grantedAt: z.string() })),
  cards: z.array(
    z.object({
      cardId: z.string(),
      accountId: z.string(),
      brand: z.string(),
      last4: z.string(),
      expires: z.string(),
      form: z.string(),
      status: z.string(),
    }),
  ),
  cardNumberReveals: z.array(z.object({ cardId: z.string(), readAt: z.string() })),
  notificationSettings: z.array(
    z.object({
      accountId: z.string(),
      email: z.boolean(),
      sms: z.boolean(),
      push: z.boolean(),
      paymentReminders: z.boolean(),
    }),
  ),
  ledgerEntries: z.array(
    z.object({
      accountId: z.string(),
      postedAt: z.string(),
      kind: z.string(),
      // Free text: a deposit's memo names the payer (an employer), an operator's may say anything.
      memo: pii("free_text"),
      amountCents: z.number().int(),
      currency: z.string(),
    }),
  ),
  transactions: z.array(
    z.object({
      transactionId: z.string(),
      accountId: z.string(),
      occurredAt: z.string(),
      description: z.string(),
      amountCents: z.number().int(),
      currency: z.string(),
      status: z.string(),
      fraudFlag: z.string(),
    }),
  ),
  payments: z.array(
    z.object({
      paymentId: z.string(),
      accountId: z.string(),
      merchant: z.string(),
      amountCents: z.number().int(),
      refundedCents: z.number().int(),
      currency: z.string(),
      status: z.string(),
      confirmationCode: z.string(),
      createdAt: z.string(),
    }),
  ),
  disputes: z.array(
    z.object({
      disputeId: z.string(),
      paymentId: z.string(),
      reason: z.string(),
      amountCents: z.number().int(),
      status: z.string(),
      outcome: z.string().nullable(),
      openedAt: z.string(),
    }),
  ),
  monthlyDeposits: z.array(
    z.object({
      depositId: z.string(),
      accountId: z.string(),
      month: z.string(),
      // Who pays the customer (an employer) is personal data too.
      source: pii("free_text"),
      expectedCents: z.number().int(),
      receivedCents: z.number().int(),
      status: z.string(),
    }),
  ),
  bills: z.array(
    z.object({
      billId: z.string(),
      accountId: z.string(),
      period: z.string(),
      amountDueCents: z.number().int(),
      amountPaidCents: z.number().int(),
      status: z.string(),
      delinquent: z.boolean(),
    }),
  ),
});

type Row = Record<string, unknown>;

export const exportCustomerData = defineAction({
  name: "export_customer_data",
  title: "Export a customer's data (GDPR/CCPA)",
  description:
    "Everything held about a customer: profile, accounts, cards (last four only), ledger, card activity, payments, disputes, deposits and bills. Personal fields are masked; a compliance officer reveals them all at once with one reason and downloads the unmasked package.",
  tags: ["privacy"],
  risk: "high",
  reasonRequired: true,
  execution: "inline",
  timeout: "20s",
  params: z.object({
    customerId: customerIdField(
      "Whose data to export, e.g. cus_demo_alice. Give the request's ticket as the reason.",
    ),
  }),
  output: exportSchema,
  target: (p) => ({ type: "customer", id: p.customerId }),
  async handler(p, ctx) {
    const q = async (sql: string) => (await ctx.db.query<Row>(sql, [p.customerId])).rows;
    const [customer] = await q(
      `SELECT id, name, email, phone, ssn, address_line1, city, region, postal_code, country,
              date_of_birth::text AS date_of_birth, status, created_at, erased_at, now() AS exported_at
         FROM demo.customers WHERE id = $1`,
    );
    if (!customer) throw new ActionError("customer_not_found", `There is no customer ${p.customerId}.`);
    const accountsOf = "(SELECT id FROM demo.accounts WHERE customer_id = $1)";
    const accounts = await q(
      `SELECT id, plan, status, currency, balance_cents, overdraft_limit_cents, trial_ends_at, feature_flags,
              created_at, closed_at
         FROM demo.accounts WHERE customer_id = $1 ORDER BY created_at, id`,
    );
    const admin = await q(
      "SELECT account_id, granted_at FROM demo.account_admins WHERE customer_id = $1 ORDER BY granted_at, account_id",
    );
    const cards = await q(
      `SELECT id, account_id, brand, last4, exp_month, exp_year, form, status
         FROM demo.cards WHERE account_id IN ${accountsOf} ORDER BY created_at, id`,
    );
    const reveals = await q(
      `SELECT r.card_id, r.read_at FROM demo.card_vault_reads r
         JOIN demo.cards c ON c.id = r.card_id
        WHERE c.account_id IN ${accountsOf} ORDER BY r.read_at, r.id`,
    );
    const notifications = await q(
      `SELECT account_id, email_enabled, sms_enabled, push_enabled, payment_reminders
         FROM demo.notification_settings WHERE account_id IN ${accountsOf} ORDER BY account_id`,
    );
    const entries = await q(
      `SELECT e.account_id, j.posted_at, j.kind, j.memo, e.amount_cents, e.currency
         FROM demo.ledger_entries e JOIN demo.journals j ON j.id = e.journal_id
        WHERE e.account_id IN ${accountsOf} ORDER BY j.posted_at, e.id`,
    );
    const transactions = await q(
      `SELECT id, account_id, occurred_at, description, amount_cents, currency, status, fraud_flag
         FROM demo.transactions WHERE account_id IN ${accountsOf} ORDER BY occurred_at, id`,
    );
    const payments = await q(
      `SELECT p.id, p.account_id, m.name AS merchant, p.amount_cents, p.refunded_cents, p.currency, p.status,
              p.confirmation_code, p.created_at
         FROM demo.payments p JOIN demo.merchants m ON m.id = p.merchant_id
        WHERE p.account_id IN ${accountsOf} ORDER BY p.created_at, p.id`,
    );
    const disputes = await q(
      `SELECT d.id, d.payment_id, d.reason, d.amount_cents, d.status, d.outcome, d.opened_at
         FROM demo.disputes d JOIN demo.payments p ON p.id = d.payment_id
        WHERE p.account_id IN ${accountsOf} ORDER BY d.opened_at, d.id`,
    );
    const deposits = await q(
      `SELECT id, account_id, month::text AS month, source_name, expected_cents, received_cents, status
         FROM demo.monthly_deposits WHERE account_id IN ${accountsOf} ORDER BY month, id`,
    );
    const bills = await q(
      `SELECT id, account_id, period::text AS period, amount_due_cents, amount_paid_cents, status, delinquent
         FROM demo.bills WHERE account_id IN ${accountsOf} ORDER BY period, id`,
    );

    const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
    const date = (value: unknown) => iso(value as Date | null);
    return {
      customerId: String(customer.id),
      exportedAt: date(customer.exported_at)!,
      status: String(customer.status),
      customerSince: date(customer.created_at)!,
      erasedAt: date(customer.erased_at),
      profile: {
        name: text(customer.name),
        email: text(customer.email),
        phone: text(customer.phone),
        ssn: text(customer.ssn),
        addressLine1: text(customer.address_line1),
        city: text(customer.city),
        region: text(customer.region),
        postalCode: text(customer.postal_code),
        country: String(customer.country),
        dateOfBirth: text(customer.date_of_birth),
      },
      accounts: accounts.map((a) => ({
        accountId: String(a.id),
        plan: String(a.plan),
        status: String(a.status),
        currency: String(a.currency),
        balanceCents: cents(a.balance_cents as string),
        overdraftLimitCents: cents(a.overdraft_limit_cents as string),
        trialEndsAt: date(a.trial_ends_at),
        featureFlags: a.feature_flags as Record<string, boolean>,
        openedAt: date(a.created_at)!,
        closedAt: date(a.closed_at),
      })),
      administeredAccounts: admin.map((a) => ({
        accountId: String(a.account_id),
        grantedAt: date(a.granted_at)!,
      })),
      cards: cards.map((c) => ({
        cardId: String(c.id),
        accountId: String(c.account_id),
        brand: String(c.brand),
        last4: String(c.last4),
        expires: `${String(c.exp_month).padStart(2, "0")}/${c.exp_year}`,
        form: String(c.form),
        status: String(c.status),
      })),
      cardNumberReveals: reveals.map((r) => ({ cardId: String(r.card_id), readAt: date(r.read_at)! })),
      notificationSettings: notifications.map((n) => ({
        accountId: String(n.account_id),
        email: Boolean(n.email_enabled),
        sms: Boolean(n.sms_enabled),
        push: Boolean(n.push_enabled),
        paymentReminders: Boolean(n.payment_reminders),
      })),
      ledgerEntries: entries.map((e) => ({
        accountId: String(e.account_id),
        postedAt: date(e.posted_at)!,
        kind: String(e.kind),
        memo: text(e.memo),
        amountCents: cents(e.amount_cents as string),
        currency: String(e.currency),
      })),
      transactions: transactions.map((t) => ({
        transactionId: String(t.id),
        accountId: String(t.account_id),
        occurredAt: date(t.occurred_at)!,
        description: String(t.description),
        amountCents: cents(t.amount_cents as string),
        currency: String(t.currency),
        status: String(t.status),
        fraudFlag: String(t.fraud_flag),
      })),
      payments: payments.map((x) => ({
        paymentId: String(x.id),
        accountId: String(x.account_id),
        merchant: String(x.merchant),
        amountCents: cents(x.amount_cents as string),
        refundedCents: cents(x.refunded_cents as string),
        currency: String(x.currency),
        status: String(x.status),
        confirmationCode: String(x.confirmation_code),
        createdAt: date(x.created_at)!,
      })),
      disputes: disputes.map((d) => ({
        disputeId: String(d.id),
        paymentId: String(d.payment_id),
        reason: String(d.reason),
        amountCents: cents(d.amount_cents as string),
        status: String(d.status),
        outcome: text(d.outcome),
        openedAt: date(d.opened_at)!,
      })),
      monthlyDeposits: deposits.map((d) => ({
        depositId: String(d.id),
        accountId: String(d.account_id),
        month: String(d.month),
        source: text(d.source_name),
        expectedCents: cents(d.expected_cents as string),
        receivedCents: cents(d.received_cents as string),
        status: String(d.status),
      })),
      bills: bills.map((b) => ({
        billId: String(b.id),
        accountId: String(b.account_id),
        period: String(b.period),
        amountDueCents: cents(b.amount_due_cents as string),
        amountPaidCents: cents(b.amount_paid_cents as string),
        status: String(b.status),
        delinquent: Boolean(b.delinquent),
      })),
    };
  },
});
