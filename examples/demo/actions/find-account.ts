// find_account: the lookup behind every account field (`lookup: "find_account"`): an agent types
// the customer's name, email, the last 4 digits of a card or the account id and picks the account.
// The labels name the customer by first name and initial only; what was typed is sealed as PII.
import { defineAction, z } from "../../../src/sdk/index.ts";
import { lookupSearchField, searchPattern, shortName } from "./lookup-common.ts";

export const findAccount = defineAction({
  name: "find_account",
  title: "Find an account",
  description:
    "Accounts whose customer's name or email, card's last 4 digits or account id match what you type. " +
    "Used by the account pickers.",
  tags: ["lookup"],
  risk: "low",
  execution: "inline",
  timeout: "5s",
  params: z.object({ query: lookupSearchField("Name, email, card's last 4 digits or account id") }),
  output: z.object({
    options: z.array(z.object({ value: z.string(), label: z.string(), currency: z.string() })),
  }),
  async handler(p, ctx) {
    const search = searchPattern(p.query);
    const found = await ctx.db.query<{
      id: string;
      currency: string;
      status: string;
      plan: string;
      name: string | null;
      last4: string | null;
    }>(
      `SELECT a.id, a.currency, a.status, a.plan, c.name,
              (SELECT min(k.last4) FROM demo.cards k WHERE k.account_id = a.id) AS last4
         FROM demo.accounts a JOIN demo.customers c ON c.id = a.customer_id
        WHERE $1::text IS NULL
           OR a.id ILIKE $1 OR c.name ILIKE $1 OR c.email ILIKE $1
           OR ($2::text IS NOT NULL AND EXISTS (
                SELECT 1 FROM demo.cards k WHERE k.account_id = a.id AND k.last4 = $2))
        ORDER BY (a.id LIKE 'acc\\_demo\\_%') DESC, a.id
        LIMIT 20`,
      [search, /^\d{4}$/.test(p.query?.trim() ?? "") ? p.query!.trim() : null],
    );
    return {
      options: found.rows.map((row) => ({
        value: row.id,
        label: [
          shortName(row.name),
          row.id,
          `${row.plan} · ${row.currency}`,
          row.last4 ? `card ••${row.last4}` : null,
          row.status === "active" ? null : row.status,
        ]
          .filter(Boolean)
          .join(" · "),
        currency: row.currency,
      })),
    };
  },
});
