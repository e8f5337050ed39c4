// all_flagged_accounts: a SQL action on the core ledger — one fixed, parameterized query across
// every account, read-only, at most 200 rows, holder name, email and IBAN masked in the result.
import { defineSqlAction, z } from "../../../src/sdk/index.ts";

export const allFlaggedAccounts = defineSqlAction({
  name: "all_flagged_accounts",
  title: "All flagged accounts (core ledger)",
  description:
    "Every core-ledger account with a risk flag, newest first, across all customers. Names, emails and IBANs are masked.",
  tags: ["risk"],
  risk: "low",
  resource: "core_ledger",
  params: z.object({
    reasonContains: z
      .string()
      .max(100)
      .optional()
      .meta({ label: "Flag reason contains", help: "Optional words from the flag's reason, e.g. velocity" }),
  }),
  sql: `SELECT id AS account_id, holder_name, holder_email, iban, balance_cents, currency, flag_reason, flagged_at
          FROM public.ledger_accounts
         WHERE flagged AND ($1::text IS NULL OR flag_reason ILIKE '%' || $1 || '%')
         ORDER BY flagged_at DESC, id`,
  values: (p) => [p.reasonContains ?? null],
  row: z.object({
    account_id: z.string(),
    holder_name: z.string().meta({ pii: "name" }),
    holder_email: z.string().meta({ pii: "email" }),
    iban: z.string().meta({ pii: "bank_account" }),
    balance_cents: z.coerce.number(),
    currency: z.string(),
    flag_reason: z.string(),
    flagged_at: z.string(),
  }),
  maxRows: 200,
  statementTimeout: "3s",
});
