// find_customer: the lookup behind every customer field (`lookup: "find_customer"`): by name,
// email, the last 4 digits of one of their cards, or the customer id.
import { defineAction, z } from "../../../src/sdk/index.ts";
import { lookupSearchField, searchPattern, shortName } from "./lookup-common.ts";

export const findCustomer = defineAction({
  name: "find_customer",
  title: "Find a customer",
  description:
    "Customers whose name, email, card's last 4 digits or id match what you type. Used by the customer pickers.",
  tags: ["lookup"],
  risk: "low",
  execution: "inline",
  timeout: "5s",
  params: z.object({ query: lookupSearchField("Name, email, card's last 4 digits or customer id") }),
  output: z.object({ options: z.array(z.object({ value: z.string(), label: z.string() })) }),
  async handler(p, ctx) {
    const found = await ctx.db.query<{ id: string; name: string | null; status: string; accounts: number }>(
      `SELECT c.id, c.name, c.status,
              (SELECT count(*)::int FROM demo.accounts a WHERE a.customer_id = c.id) AS accounts
         FROM demo.customers c
        WHERE $1::text IS NULL
           OR c.id ILIKE $1 OR c.name ILIKE $1 OR c.email ILIKE $1
           OR ($2::text IS NOT NULL AND EXISTS (
                SELECT 1 FROM demo.cards k JOIN demo.accounts a ON a.id = k.account_id
                 WHERE a.customer_id = c.id AND k.last4 = $2))
        ORDER BY (c.id LIKE 'cus\\_demo\\_%') DESC, c.id
        LIMIT 20`,
      [searchPattern(p.query), /^\d{4}$/.test(p.query?.trim() ?? "") ? p.query!.trim() : null],
    );
    return {
      options: found.rows.map((row) => ({
        value: row.id,
        label: [
          shortName(row.name),
          row.id,
          `${row.accounts} ${row.accounts === 1 ? "account" : "accounts"}`,
          row.status === "active" ? null : row.status,
        ]
          .filter(Boolean)
          .join(" · "),
      })),
    };
  },
});
