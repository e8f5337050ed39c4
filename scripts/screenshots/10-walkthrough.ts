// The README's "Five minutes with the demo", picture by picture: Sam's credits, Maya's approval,
// Cora's run page, runs and audit; plus the sign-in page, a high-risk confirmation, a table result
// with its row actions, a card number masked and revealed, and the admin pages.
import type { Page } from "playwright-core";
import type { Shot } from "./shot.ts";

const SAM = "sam.support@airlock.demo";
const MAYA = "maya.manager@airlock.demo";
const CORA = "cora.compliance@airlock.demo";
const ADA = "ada.admin@airlock.demo";

async function pickAccount(page: Page, text: string) {
  const box = page.getByRole("combobox", { name: "Account" });
  await box.click();
  await box.pressSequentially(text, { delay: 40 });
  await page.getByRole("option", { name: /acc_demo_alice/ }).waitFor();
}

async function credit(page: Page, amount: string) {
  await pickAccount(page, "Alice");
  await page.getByRole("option", { name: /acc_demo_alice/ }).click();
  await page.getByRole("textbox", { name: "Amount" }).fill(amount);
  await page
    .getByRole("textbox", { name: /^Reason/ })
    .fill("Card payments were down for two hours on 2 December");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.locator("[data-run-outcome]").waitFor();
}

export const shots: Shot[] = [
  {
    title: "Sign in, the catalog, the form with the account picker, a $50 credit, a $250 request",
    async take({ signedIn, save }) {
      const sam = await signedIn(SAM, "/");
      await save(sam, "catalog");
      await sam.getByRole("searchbox").first().fill("credit");
      await sam.locator("[data-action-row]").first().waitFor();
      await sam.goto(sam.url().replace(/\/(\?.*)?$/, "/actions/issue_credit"));
      await pickAccount(sam, "Alice");
      await save(sam, "action-form");
      await sam.getByRole("option", { name: /acc_demo_alice/ }).click();
      await sam.getByRole("textbox", { name: "Amount" }).fill("50");
      await sam
        .getByRole("textbox", { name: /^Reason/ })
        .fill("Card payments were down for two hours on 2 December");
      await sam.getByRole("button", { name: "Run", exact: true }).click();
      await sam.locator("[data-run-outcome]").waitFor();
      await save(sam, "result", "[data-run-outcome]");
      await sam.goto(sam.url());
      await credit(sam, "250");
      await save(sam, "pending-approval", "[data-run-outcome]");
      await sam.context().close();
    },
  },
  {
    title: "Sign-in page",
    async take({ page, url, save }) {
      const p = await page();
      await p.goto(`${url}/sign-in`);
      await p.getByRole("heading", { name: "Sign in to Airlock" }).waitFor();
      await save(p, "sign-in");
      await p.context().close();
    },
  },
  {
    title: "Maya's inbox and the request she approves",
    async take({ signedIn, save }) {
      const maya = await signedIn(MAYA, "/approvals");
      const link = maya.getByRole("link", { name: /Issue a goodwill credit/ }).first();
      await link.waitFor();
      await save(maya, "approvals");
      await link.click();
      await maya.getByRole("button", { name: "Approve", exact: true }).waitFor();
      await save(maya, "approval-review");
      await maya.getByRole("textbox", { name: "Reason" }).fill("Checked the outage report");
      await maya.getByRole("button", { name: "Approve", exact: true }).click();
      await maya.locator("[data-toast=success]").waitFor();
      await maya.context().close();
    },
  },
  {
    title: "Cora: the runs, the $250 credit's run page, the audit trail",
    async take({ signedIn, save }) {
      const cora = await signedIn(CORA, "/runs?q=%24250");
      const row = cora.locator("tr[data-run-row]").first();
      await row.waitFor();
      await save(cora, "runs");
      await row.getByRole("link").first().click();
      await cora.getByRole("heading", { name: "Issue a goodwill credit" }).waitFor();
      await cora.getByText("Succeeded").first().waitFor();
      await save(cora, "run");
      await cora.goto(cora.url().replace(/\/runs\/.*$/, "/audit"));
      await cora.locator("table tbody tr").first().waitFor();
      await save(cora, "audit");
      await cora.context().close();
    },
  },
  {
    title: "A high-risk confirmation, a table result with row actions, a card number masked and revealed",
    async take({ signedIn, save }) {
      const maya = await signedIn(
        MAYA,
        "/actions/refund_merchant_payment?paymentId=pay_demo_1&amountCents=500",
      );
      await maya.getByRole("textbox", { name: /^Reason/ }).fill("Customer was charged twice");
      await maya.getByRole("button", { name: "Review and run" }).click();
      await maya.getByRole("dialog").waitFor();
      await save(maya, "confirm");
      await maya.keyboard.press("Escape");

      await maya.goto(maya.url().replace(/\/actions\/.*$/, "/actions/find_late_payments"));
      await maya.getByRole("button", { name: "Run", exact: true }).click();
      await maya.getByRole("table", { name: "Late payments" }).waitFor();
      await save(maya, "result-table", "[data-run-outcome]");
      await maya.context().close();
    },
  },
  {
    title: "A card number masked, then revealed with a reason",
    async take({ signedIn, save }) {
      const maya = await signedIn(MAYA, "/actions/payment_confirmation?paymentId=pay_demo_1");
      // The lookup reads the card vault, which logs why: without a reason the run is refused.
      await maya.getByRole("textbox", { name: /^Reason/ }).fill("Customer asks about a charge, ticket 4711");
      await maya.getByRole("button", { name: "Run", exact: true }).click();
      const reveal = maya.getByRole("button", { name: /^Reveal card number/i });
      await reveal.waitFor();
      await save(maya, "pii-masked", "[data-run-outcome]");
      await reveal.click();
      await maya
        .getByRole("dialog")
        .getByRole("textbox", { name: "Reason" })
        .fill("Customer disputes the charge; checking the card used");
      await maya
        .getByRole("dialog")
        .getByRole("button", { name: /Reveal/ })
        .click();
      await maya.getByRole("dialog").locator("[data-revealed-value]").waitFor();
      await save(maya, "pii-revealed");
      await maya.context().close();
    },
  },
  {
    title: "Admin: users and policy modes",
    async take({ signedIn, save }) {
      const ada = await signedIn(ADA, "/admin/users");
      await ada.locator("table tbody tr").first().waitFor();
      await save(ada, "admin-users");
      await ada.goto(ada.url().replace(/\/admin\/users.*$/, "/admin/policies"));
      await ada
        .getByRole("button", { name: /Switch to/ })
        .first()
        .waitFor();
      await save(ada, "admin-policies");
      await ada.context().close();
    },
  },
];
