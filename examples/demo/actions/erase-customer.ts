// GDPR art. 17 / CCPA right to delete. Setting `erased_at` turns the customer into a tombstone; the
// database's trigger (customers_guard_erasure) does the rest in the same statement: nulls the PII,
// cancels the cards, shreds their numbers from the vault and drops admin rights. Accounts, the
// ledger and disputes stay (financial records must be retained), so balances and journals are
// untouched. Irreversible, hence `critical` and always a compliance officer's approval.
import { type ActionDatabase, ActionError, defineAction, z } from "../../../src/sdk/index.ts";
import { customerIdField, iso, translating } from "./customer-common.ts";

interface ErasureFacts {
  status: string;
  erased_at: Date | null;
  accounts: number;
  open_accounts: number;
  active_cards: number;
  admin_rights: number;
  open_disputes: number;
}

async function erasureFacts(db: ActionDatabase, customerId: string): Promise<ErasureFacts | null> {
  const found = await db.query<ErasureFacts>(
    `SELECT c.status, c.erased_at,
            (SELECT count(*)::int FROM demo.accounts a WHERE a.customer_id = c.id) AS accounts,
            (SELECT count(*)::int FROM demo.accounts a WHERE a.customer_id = c.id AND a.status <> 'closed')
              AS open_accounts,
            (SELECT count(*)::int FROM demo.cards k JOIN demo.accounts a ON a.id = k.account_id
              WHERE a.customer_id = c.id AND k.status <> 'cancelled') AS active_cards,
            (SELECT count(*)::int FROM demo.account_admins x WHERE x.customer_id = c.id) AS admin_rights,
            (SELECT count(*)::int FROM demo.disputes d JOIN demo.payments p ON p.id = d.payment_id
               JOIN demo.accounts a ON a.id = p.account_id
              WHERE a.customer_id = c.id AND d.status = 'open') AS open_disputes
       FROM demo.customers c WHERE c.id = $1`,
    [customerId],
  );
  return found.rows[0] ?? null;
}

export const eraseCustomer = defineAction({
  name: "erase_customer",
  title: "Erase a customer (GDPR/CCPA)",
  description:
    "Irreversibly removes a customer's personal data: name, contact details, SSN, address and date of birth are deleted, cards cancelled and their numbers shredded, admin rights dropped. Accounts and the ledger are kept. Refused while a dispute is open. Needs a compliance officer's approval.",
  tags: ["privacy"],
  risk: "critical",
  reasonRequired: true,
  params: z.object({
    customerId: customerIdField(
      "Whom to erase, e.g. cus_demo_erin. Give the erasure request's ticket as the reason.",
    ),
  }),
  output: z.object({
    customerId: z.string(),
    status: z.literal("erased"),
    erasedAt: z.string(),
    cardsCancelled: z.number().int(),
    adminRightsDropped: z.number().int(),
    accountsRetained: z.number().int(),
  }),
  target: (p) => ({ type: "customer", id: p.customerId }),
  approval: {
    name: "erase_customer.compliance",
    description: "Every erasure is approved by a compliance officer other than the requester.",
    reviewers: { groups: ["compliance"] },
    expiresIn: "72h",
    mode: "enforce",
  },
  async describe(target, { db }) {
    const facts = await erasureFacts(db, target.id);
    if (!facts) return { found: false };
    return {
      customerId: target.id,
      status: facts.status,
      erasedAt: iso(facts.erased_at),
      accounts: facts.accounts,
      openAccounts: facts.open_accounts,
      activeCards: facts.active_cards,
      adminRights: facts.admin_rights,
      openDisputes: facts.open_disputes,
      erasable:
        facts.erased_at !== null
          ? "no: already erased"
          : facts.open_disputes > 0
            ? "no: a dispute is open"
            : "yes",
    };
  },
  async handler(p, ctx) {
    const locked = await ctx.db.query("SELECT 1 FROM demo.customers WHERE id = $1 FOR NO KEY UPDATE", [
      p.customerId,
    ]);
    if (locked.rowCount === 0)
      throw new ActionError("customer_not_found", `There is no customer ${p.customerId}.`);
    const facts = (await erasureFacts(ctx.db, p.customerId))!;
    if (facts.erased_at !== null) {
      throw new ActionError(
        "already_erased",
        `Customer ${p.customerId} was already erased on ${iso(facts.erased_at)!.slice(0, 10)}; erasure is irreversible.`,
      );
    }
    ctx.snapshot.before({
      status: facts.status,
      erasedAt: null,
      personalData: "present",
      activeCards: facts.active_cards,
      adminRights: facts.admin_rights,
      accounts: facts.accounts,
    });
    // The trigger refuses while a dispute is open (the evidence is still needed) and once erased.
    const erased = await translating(
      () =>
        ctx.db.query<{ erased_at: Date }>(
          "UPDATE demo.customers SET erased_at = now() WHERE id = $1 RETURNING erased_at",
          [p.customerId],
        ),
      {
        customers_no_open_dispute: () =>
          new ActionError(
            "open_dispute",
            `Customer ${p.customerId} has an open dispute: its evidence must be kept until the dispute is closed. Close it, then request the erasure again.`,
            { openDisputes: facts.open_disputes },
          ),
        customers_erased_is_final: () =>
          new ActionError(
            "already_erased",
            `Customer ${p.customerId} is already erased; erasure is irreversible.`,
          ),
      },
    );
    const after = (await erasureFacts(ctx.db, p.customerId))!;
    ctx.snapshot.after({
      status: after.status,
      erasedAt: iso(after.erased_at),
      personalData: "erased",
      activeCards: after.active_cards,
      adminRights: after.admin_rights,
      accounts: after.accounts,
    });
    return {
      customerId: p.customerId,
      status: "erased" as const,
      erasedAt: iso(erased.rows[0]!.erased_at)!,
      cardsCancelled: facts.active_cards - after.active_cards,
      adminRightsDropped: facts.admin_rights - after.admin_rights,
      accountsRetained: after.accounts,
    };
  },
});
