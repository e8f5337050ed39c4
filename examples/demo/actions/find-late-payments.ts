// find_late_payments: the late bills support looks up (the `late_payments` view), most overdue
// first, optionally for one account or from a number of days late. Read-only.
import { defineAction, z } from "../../../src/sdk/index.ts";
import { accountIdField, cents, loadAccount } from "./money-helpers.ts";

const latePayment = z.object({
  billId: z.string().meta({ actions: ["clear_delinquent_payment"] }),
  accountId: z.string().meta({ actions: ["issue_credit"] }),
  customerId: z.string(),
  period: z.string(),
  currency: z.string(),
  amountDueCents: z.number().int(),
  dueOn: z.string(),
  daysLate: z.number().int(),
  delinquent: z.boolean(),
  delinquentSince: z.string().nullable(),
});

export const findLatePayments = defineAction({
  name: "find_late_payments",
  title: "Find late payments",
  description:
    "Lists late bills, most overdue first: what is still due, since when, and whether the bill is " +
    "delinquent (reported to the credit bureau). Filter by account or by days late.",
  tags: ["support"],
  risk: "low",
  params: z.object({
    accountId: accountIdField(
      "Account",
      "Only this account's late bills. Leave empty for every account.",
    ).optional(),
    minDaysLate: z.number().int().min(0).max(3650).optional().meta({
      label: "At least this many days late",
      help: "E.g. 30 for bills that may turn delinquent.",
      widget: "number",
    }),
    delinquentOnly: z
      .boolean()
      .optional()
      .meta({ label: "Delinquent only", help: "Only bills flagged as delinquent.", widget: "boolean" }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .meta({ label: "At most", help: "How many rows to show (default 100).", widget: "number" }),
  }),
  output: z.object({
    total: z.number().int(),
    shown: z.number().int(),
    latePayments: z.array(latePayment),
  }),
  target: (p) => (p.accountId ? { type: "account", id: p.accountId } : null),
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  async handler(p, ctx) {
    // An unknown account is a mistake worth saying, not an empty list.
    if (p.accountId) await loadAccount(ctx.db, p.accountId);
    const result = await ctx.db.query(
      `SELECT bill_id, account_id, customer_id, period::text AS period, currency, amount_due_cents,
              due_on::text AS due_on, days_late, delinquent, delinquent_since::text AS delinquent_since,
              count(*) OVER () AS total
         FROM demo.late_payments
        WHERE ($1::text IS NULL OR account_id = $1)
          AND ($2::int IS NULL OR days_late >= $2)
          AND (NOT $3::boolean OR delinquent)
        ORDER BY days_late DESC, bill_id
        LIMIT $4`,
      [p.accountId ?? null, p.minDaysLate ?? null, p.delinquentOnly ?? false, p.limit ?? 100],
    );
    const latePayments = result.rows.map((row) => ({
      billId: row.bill_id as string,
      accountId: row.account_id as string,
      customerId: row.customer_id as string,
      period: row.period as string,
      currency: row.currency as string,
      amountDueCents: cents(row.amount_due_cents),
      dueOn: row.due_on as string,
      daysLate: row.days_late as number,
      delinquent: row.delinquent as boolean,
      delinquentSince: row.delinquent_since as string | null,
    }));
    return { total: cents(result.rows[0]?.total ?? 0), shown: latePayments.length, latePayments };
  },
});
