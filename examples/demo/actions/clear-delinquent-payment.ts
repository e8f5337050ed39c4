// clear_delinquent_payment: takes the delinquent flag (what the credit bureau is told) off a late
// bill, recording who cleared it, when and why (a payment arrangement, a bank error). The bill
// stays late: what is due is still due.
import { type ActionDatabase, ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { actorLabel, cents, formatCents, reasonField, translatingConstraints } from "./money-helpers.ts";

interface Bill {
  id: string;
  accountId: string;
  currency: string;
  period: string;
  status: string;
  dueCents: number;
  delinquent: boolean;
  delinquentSince: string | null;
  clearedBy: string | null;
  clearedAt: string | null;
  clearReason: string | null;
}

async function loadBill(db: ActionDatabase, id: string): Promise<Bill | null> {
  const result = await db.query(
    `SELECT id, account_id, currency, to_char(period, 'YYYY-MM') AS period, status,
            amount_due_cents - amount_paid_cents AS due_cents, delinquent, delinquent_since::text AS delinquent_since,
            cleared_by, cleared_at, clear_reason
       FROM demo.bills WHERE id = $1 FOR NO KEY UPDATE`,
    [id],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    currency: row.currency as string,
    period: row.period as string,
    status: row.status as string,
    dueCents: cents(row.due_cents),
    delinquent: row.delinquent as boolean,
    delinquentSince: row.delinquent_since as string | null,
    clearedBy: row.cleared_by as string | null,
    clearedAt: row.cleared_at ? (row.cleared_at as Date).toISOString() : null,
    clearReason: row.clear_reason as string | null,
  };
}

export const clearDelinquentPayment = defineAction({
  name: "clear_delinquent_payment",
  title: "Clear a delinquent payment",
  description:
    "Removes the delinquent flag from a late bill (so it is no longer reported to the credit bureau), " +
    "with who cleared it and why. The amount stays due and the bill stays late.",
  tags: ["payments"],
  risk: "medium",
  params: z.object({
    billId: z
      .string()
      .trim()
      .regex(/^bill_[a-z0-9_]+$/, "A bill id looks like bill_…")
      .meta({
        label: "Bill",
        help: "The late bill's id, e.g. bill_demo_late.",
        placeholder: "bill_…",
        widget: "text",
      }),
    reason: reasonField(
      "Reason",
      "Why the delinquency is cleared (kept on the bill), e.g. Payment arrangement agreed, case 5512.",
    ),
  }),
  output: z.object({
    billId: z.string(),
    accountId: z.string(),
    period: z.string(),
    status: z.string(),
    currency: z.string(),
    amountDueCents: z.number().int(),
    delinquent: z.boolean(),
    clearedBy: z.string(),
    clearedAt: z.string(),
    clearReason: z.string(),
  }),
  target: (p) => ({ type: "bill", id: p.billId }),
  execution: "inline",
  retry: "safe",
  timeout: "10s",
  async handler(p, ctx) {
    const bill = await loadBill(ctx.db, p.billId);
    if (!bill) throw new ActionError("bill_not_found", `There is no bill ${p.billId}.`, { billId: p.billId });
    if (!bill.delinquent) {
      throw new ActionError(
        "bill_not_delinquent",
        bill.clearedAt
          ? `Bill ${bill.id} is not delinquent: it was cleared on ${bill.clearedAt.slice(0, 10)} by ${bill.clearedBy}.`
          : `Bill ${bill.id} is not delinquent (it is ${bill.status}${bill.status === "late" ? ", not yet delinquent" : ""}).`,
        { status: bill.status },
      );
    }
    ctx.snapshot.before({
      billId: bill.id,
      status: bill.status,
      delinquent: true,
      delinquentSince: bill.delinquentSince,
      amountDue: formatCents(bill.dueCents, bill.currency),
    });
    const clearedBy = actorLabel(ctx.actor);
    const updated = await translatingConstraints(
      () =>
        ctx.db.query(
          `UPDATE demo.bills
              SET delinquent = false, delinquent_since = NULL, cleared_by = $2, cleared_at = now(), clear_reason = $3
            WHERE id = $1 AND delinquent
        RETURNING cleared_at`,
          [bill.id, clearedBy, p.reason],
        ),
      {
        bills_cleared: () =>
          new ActionError(
            "bill_not_delinquent",
            `Bill ${bill.id} could not be cleared (who and why are required).`,
          ),
      },
    );
    const clearedAt = (updated.rows[0]!.cleared_at as Date).toISOString();
    ctx.snapshot.after({
      billId: bill.id,
      status: bill.status,
      delinquent: false,
      clearedBy,
      clearedAt,
      clearReason: p.reason,
    });
    return {
      billId: bill.id,
      accountId: bill.accountId,
      period: bill.period,
      status: bill.status,
      currency: bill.currency,
      amountDueCents: bill.dueCents,
      delinquent: false,
      clearedBy,
      clearedAt,
      clearReason: p.reason,
    };
  },
});
