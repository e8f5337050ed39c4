// Customer-side access: another customer may administer an account besides its owner (a business
// account's finance team). Admin rights over someone's money are a classic fraud vector, so every
// grant is approved by a compliance officer.
import { ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import {
  accountIdField,
  actorLabel,
  customerIdField,
  iso,
  lockAccount,
  refuseClosed,
} from "./customer-common.ts";

export const makeAdmin = defineAction({
  name: "make_admin",
  title: "Make a customer an account admin",
  description:
    "Lets another customer administer an account besides its owner (payments, cards, settings). Needs a compliance officer's approval.",
  tags: ["access"],
  risk: "high",
  params: z.object({
    accountId: accountIdField("The account to share, e.g. acc_demo_business."),
    customerId: customerIdField("Who becomes an admin of it; they must be an active customer."),
  }),
  output: z.object({
    accountId: z.string(),
    customerId: z.string(),
    grantedBy: z.string(),
    grantedAt: z.string(),
    admins: z.array(z.string()),
  }),
  target: (p) => ({ type: "account", id: p.accountId }),
  approval: {
    name: "make_admin.compliance",
    description: "Every new account admin is approved by a compliance officer.",
    reviewers: { groups: ["compliance"] },
    mode: "enforce",
  },
  async describe(target, { db }) {
    const account = await db.query<{ status: string; plan: string; customer_id: string }>(
      "SELECT status, plan, customer_id FROM demo.accounts WHERE id = $1",
      [target.id],
    );
    const row = account.rows[0];
    if (!row) return { found: false };
    const admins = await db.query<{ customer_id: string; granted_at: Date; granted_by: string }>(
      "SELECT customer_id, granted_at, granted_by FROM demo.account_admins WHERE account_id = $1 ORDER BY granted_at",
      [target.id],
    );
    return {
      accountId: target.id,
      status: row.status,
      plan: row.plan,
      owner: row.customer_id,
      admins: admins.rows.map((a) => ({
        customerId: a.customer_id,
        grantedAt: iso(a.granted_at),
        grantedBy: a.granted_by,
      })),
    };
  },
  async handler(p, ctx) {
    const account = await lockAccount(ctx.db, p.accountId);
    refuseClosed(account);
    if (account.customer_id === p.customerId)
      throw new ActionError("already_owner", `Customer ${p.customerId} owns account ${p.accountId}.`);
    const customer = await ctx.db.query<{ status: string }>(
      "SELECT status FROM demo.customers WHERE id = $1",
      [p.customerId],
    );
    const status = customer.rows[0]?.status;
    if (!status) throw new ActionError("customer_not_found", `There is no customer ${p.customerId}.`);
    if (status !== "active")
      throw new ActionError(
        "customer_not_active",
        `Customer ${p.customerId} is ${status}; only an active customer can be an admin.`,
      );
    const admins = async () =>
      (
        await ctx.db.query<{ customer_id: string }>(
          "SELECT customer_id FROM demo.account_admins WHERE account_id = $1 ORDER BY customer_id",
          [p.accountId],
        )
      ).rows.map((r) => r.customer_id);
    const before = await admins();
    if (before.includes(p.customerId))
      throw new ActionError(
        "already_admin",
        `Customer ${p.customerId} already administers account ${p.accountId}.`,
      );
    ctx.snapshot.before({ admins: before });
    const grantedBy = actorLabel(ctx.actor);
    const inserted = await ctx.db.query<{ granted_at: Date }>(
      "INSERT INTO demo.account_admins (account_id, customer_id, granted_by) VALUES ($1, $2, $3) RETURNING granted_at",
      [p.accountId, p.customerId, grantedBy],
    );
    const after = await admins();
    ctx.snapshot.after({ admins: after });
    return {
      accountId: p.accountId,
      customerId: p.customerId,
      grantedBy,
      grantedAt: iso(inserted.rows[0]!.granted_at)!,
      admins: after,
    };
  },
});
