// The onboarding runbook: open the account, have compliance check the customer (a human step in
// their inbox), import the history from the previous bank, set the plan and the features, then
// make the co-administrators admins (each needs a compliance officer's approval, as always for
// make_admin). Every action step passes the control layer as the ops member who started it.
import { defineRunbook, z } from "../../../src/sdk/index.ts";
import { customerIdField, PLANS } from "../actions/customer-common.ts";

export const onboarding = defineRunbook({
  name: "onboard_account",
  title: "Onboard a customer's account",
  description:
    "Opens an account, asks compliance to check the customer, imports the history from the previous bank, sets the plan and features, and makes the co-administrators admins.",
  tags: ["accounts"],
  params: z.object({
    customerId: customerIdField("The customer to onboard, e.g. cus_demo_dave."),
    plan: z.enum(PLANS).default("plus").meta({ label: "Plan", widget: "select" }),
    features: z
      .array(z.string().regex(/^[a-z][a-z0-9_]*$/))
      .max(7)
      .default([])
      .meta({ label: "Features to turn on", help: "Keys from the feature catalog, e.g. instant_transfers." }),
    admins: z
      .array(z.string().regex(/^cus_[a-z0-9_]+$/))
      .max(5)
      .default([])
      .meta({ label: "Co-administrators", help: "Customer ids, e.g. cus_demo_alice." }),
  }),
  uses: [
    "create_account",
    "import_transaction_history",
    "set_account_plan",
    "toggle_feature_flag",
    "make_admin",
  ],
  async handler(rb, { customerId, plan, features, admins }) {
    const total = 3 + (plan === "basic" ? 0 : 1) + features.length + admins.length;
    let done = 0;
    const account = await rb.run<{ accountId: string }>("create_account", { customerId, plan: "basic" });
    await rb.progress(++done, total, "account opened");
    const check = await rb.input(
      z.object({
        result: z.enum(["passed", "failed"]).meta({ label: "Compliance check" }),
        note: z.string().min(5).meta({ label: "What was checked" }),
      }),
      {
        assignee: { group: "compliance" },
        title: `Compliance check of ${customerId} for account ${account.accountId}`,
        expiresIn: "72h",
      },
    );
    await rb.progress(++done, total, "compliance checked");
    if (check.result === "failed") {
      await rb.log(`Compliance check failed: ${check.note}. The account stays on the basic plan, unused.`);
      return { accountId: account.accountId, compliance: "failed" };
    }
    const history = await rb.run<{ imported: number }>("import_transaction_history", {
      accountId: account.accountId,
    });
    await rb.log(`${history.imported} transactions imported from the previous bank.`);
    await rb.progress(++done, total, "history imported");
    if (plan !== "basic") {
      await rb.run("set_account_plan", { accountId: account.accountId, plan });
      await rb.progress(++done, total, `plan ${plan}`);
    }
    for (const flag of features) {
      await rb.run(
        "toggle_feature_flag",
        { accountId: account.accountId, flag, enabled: true },
        { step: `feature_${flag}` },
      );
      await rb.progress(++done, total, `feature ${flag}`);
    }
    for (const [index, admin] of admins.entries()) {
      // make_admin always needs a compliance officer's approval: the step waits in their inbox.
      await rb.run(
        "make_admin",
        { accountId: account.accountId, customerId: admin },
        { step: `admin_${index + 1}` },
      );
      await rb.progress(++done, total, `admin ${admin}`);
    }
    return { accountId: account.accountId, compliance: "passed", imported: history.imported };
  },
});
