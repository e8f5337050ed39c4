// deposit_status: where an account's expected monthly deposit (payroll and the like) stands for a
// month: expected, received, late or failed and why. Without a month, the last six. Read-only.
import { defineAction, z } from "../../../src/sdk/index.ts";
import { accountIdField, cents, formatCents, loadAccount } from "./money-helpers.ts";

const deposit = z.object({
  depositId: z.string(),
  month: z.string(),
  sourceName: z.string(),
  status: z.enum(["pending", "received", "late", "failed"]),
  expectedCents: z.number().int(),
  receivedCents: z.number().int(),
  expectedOn: z.string(),
  receivedAt: z.string().nullable(),
  failureReason: z.string().nullable(),
  journalId: z.number().int().nullable(),
});

type Deposit = z.infer<typeof deposit>;

function summarize(d: Deposit, currency: string): string {
  const expected = `${formatCents(d.expectedCents, currency)} from ${d.sourceName}`;
  switch (d.status) {
    case "received":
      return `${d.month}: received ${formatCents(d.receivedCents, currency)} from ${d.sourceName} on ${d.receivedAt?.slice(0, 10)}.`;
    case "pending":
      return `${d.month}: ${expected} expected on ${d.expectedOn}, not received yet.`;
    case "late":
      return `${d.month}: ${expected} was expected on ${d.expectedOn} and is late.`;
    case "failed":
      return `${d.month}: ${expected} failed: ${d.failureReason}.`;
  }
}

export const depositStatus = defineAction({
  name: "deposit_status",
  title: "Deposit status",
  description:
    "Shows whether an account's expected monthly deposit (payroll, payouts) for a month arrived, is " +
    "pending, late or failed, and why. Without a month: the last six months.",
  tags: ["support"],
  risk: "low",
  params: z.object({
    accountId: accountIdField(),
    month: z
      .string()
      .trim()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "A month looks like 2026-10")
      .optional()
      .meta({
        label: "Month",
        help: "YYYY-MM, e.g. 2026-10. Leave empty for the last six months.",
        placeholder: "2026-10",
      }),
  }),
  output: z.object({
    accountId: z.string(),
    currency: z.string(),
    month: z.string().nullable(),
    summary: z.string(),
    deposits: z.array(deposit),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  async handler(p, ctx) {
    const account = await loadAccount(ctx.db, p.accountId);
    const result = await ctx.db.query(
      `SELECT id, to_char(month, 'YYYY-MM') AS month, source_name, status, expected_cents, received_cents,
              expected_on::text AS expected_on, received_at, failure_reason, journal_id
         FROM demo.monthly_deposits
        WHERE account_id = $1 AND ($2::date IS NULL OR month = $2::date)
        ORDER BY month DESC
        LIMIT 6`,
      [account.id, p.month ? `${p.month}-01` : null],
    );
    const deposits: Deposit[] = result.rows.map((row) => ({
      depositId: row.id as string,
      month: row.month as string,
      sourceName: row.source_name as string,
      status: row.status as Deposit["status"],
      expectedCents: cents(row.expected_cents),
      receivedCents: cents(row.received_cents),
      expectedOn: row.expected_on as string,
      receivedAt: row.received_at ? (row.received_at as Date).toISOString() : null,
      failureReason: row.failure_reason as string | null,
      journalId: row.journal_id === null ? null : cents(row.journal_id),
    }));
    const summary =
      deposits.length === 0
        ? p.month
          ? `No deposit is expected on ${account.id} for ${p.month}.`
          : `No monthly deposits are expected on ${account.id}.`
        : deposits.map((d) => summarize(d, account.currency)).join(" ");
    return { accountId: account.id, currency: account.currency, month: p.month ?? null, summary, deposits };
  },
});
