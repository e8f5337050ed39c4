// Support desk: a customer's new email address. Email changes are the classic first step of an
// account takeover, so the policy below watches them in `monitor` mode: it would send a change to a
// support manager when the new address is not at a common mail provider (a fresh custom domain is
// the takeover pattern). A policy's `when` sees the parameters only (not the current address), so
// the rule is about the new domain; the audit's before/after snapshot shows both (masked).
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { customerIdField, translating } from "./customer-common.ts";

/** Domains most customers use; the demo's fake customers live at the reserved example domains. */
const COMMON_MAIL_DOMAINS = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "hotmail.com",
  "live.com",
  "yahoo.com",
  "icloud.com",
  "me.com",
  "proton.me",
  "protonmail.com",
  "aol.com",
  "gmx.com",
  "example.com",
  "example.org",
  "example.net",
]);

const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

export const changeCustomerEmail = defineAction({
  name: "change_customer_email",
  title: "Change a customer's email",
  description:
    "Replaces the customer's email address (login and statements). Refused when another customer already uses the address.",
  tags: ["support"],
  risk: "medium",
  execution: "inline",
  timeout: "10s",
  params: z.object({
    customerId: customerIdField(),
    newEmail: z.email("Enter an email address like name@example.com.").max(254).meta({
      label: "New email address",
      help: "Confirm it with the customer on a verified channel first.",
      placeholder: "name@example.com",
      pii: "email",
    }),
  }),
  output: z.object({
    customerId: z.string(),
    previousEmail: z.string().meta({ pii: "email" }),
    email: z.string().meta({ pii: "email" }),
  }),
  target: (p) => ({ type: "customer", id: p.customerId }),
  approval: {
    name: "change_customer_email.unfamiliar_domain",
    description:
      "Monitoring: would a support manager need to approve changes to an address outside the common mail providers?",
    when: (p) => {
      const domain = domainOf(p.newEmail);
      return COMMON_MAIL_DOMAINS.has(domain)
        ? false
        : `the new address is at ${domain}, not a common mail provider`;
    },
    reviewers: { groups: ["support-managers"] },
    mode: "monitor",
  },
  async describe(target, { db }) {
    const found = await db.query<{ status: string; domain: string | null; accounts: number }>(
      `SELECT status, split_part(email, '@', 2) AS domain,
              (SELECT count(*)::int FROM demo.accounts a WHERE a.customer_id = c.id) AS accounts
         FROM demo.customers c WHERE id = $1`,
      [target.id],
    );
    const row = found.rows[0];
    return row
      ? { customerId: target.id, status: row.status, emailDomain: row.domain, accounts: row.accounts }
      : { found: false };
  },
  async handler(p, ctx) {
    const email = p.newEmail.trim().toLowerCase();
    const found = await ctx.db.query<{ email: string | null; erased_at: Date | null }>(
      "SELECT email, erased_at FROM demo.customers WHERE id = $1 FOR NO KEY UPDATE",
      [p.customerId],
    );
    const customer = found.rows[0];
    if (!customer) throw new ActionError("customer_not_found", `There is no customer ${p.customerId}.`);
    if (customer.erased_at !== null)
      throw new ActionError(
        "customer_erased",
        `Customer ${p.customerId} was erased; an erased customer cannot change.`,
      );
    if (customer.email?.toLowerCase() === email)
      throw new ActionError("email_unchanged", "That is already the customer's email address.");
    const taken = await ctx.db.query("SELECT 1 FROM demo.customers WHERE lower(email) = $1 AND id <> $2", [
      email,
      p.customerId,
    ]);
    const inUse = () =>
      new ActionError(
        "email_in_use",
        "Another customer already uses this email address; one address belongs to one customer.",
      );
    if (taken.rowCount > 0) throw inUse();
    ctx.snapshot.before({ email: customer.email });
    // The unique index still decides a race between two changes to the same address.
    await translating(
      () => ctx.db.query("UPDATE demo.customers SET email = $2 WHERE id = $1", [p.customerId, email]),
      {
        customers_email_key: inUse,
        customers_email_check: () =>
          new ActionError("invalid_email", "The address is not one the customer records accept."),
        customers_erased_is_final: () =>
          new ActionError(
            "customer_erased",
            `Customer ${p.customerId} was erased; an erased customer cannot change.`,
          ),
      },
    );
    ctx.snapshot.after({ email });
    return { customerId: p.customerId, previousEmail: customer.email ?? "", email };
  },
});
