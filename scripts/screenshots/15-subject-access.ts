// A subject access request: Cora (compliance) exports a customer's data, reveals every personal
// field at once with one reason, and has the unmasked package to download.
import type { Shot } from "./shot.ts";

const CORA = "cora.compliance@airlock.demo";

export const shots: Shot[] = [
  {
    title: "A customer's data export revealed all at once for a subject access request",
    async take({ signedIn, save }) {
      const cora = await signedIn(CORA, "/actions/export_customer_data?customerId=cus_demo_alice");
      await cora.getByRole("textbox", { name: /^Reason/ }).fill("Subject access request SAR-2291");
      // A high-risk action: reviewed before it runs.
      await cora.getByRole("button", { name: "Review and run" }).click();
      await cora.getByRole("dialog").getByRole("button", { name: "Confirm and run" }).click();
      await cora.getByRole("button", { name: "Reveal all personal data" }).click();
      const dialog = cora.getByRole("dialog", { name: "Reveal all personal data" });
      await dialog
        .getByRole("textbox", { name: "Reason" })
        .fill("SAR-2291: the customer's request of 2 December");
      await dialog.getByRole("button", { name: "Reveal all" }).click();
      await dialog.locator("[data-revealed-all]").waitFor();
      await save(cora, "pii-reveal-all");
      await cora.context().close();
    },
  },
];
