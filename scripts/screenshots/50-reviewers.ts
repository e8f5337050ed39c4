// The requester picks reviewers: Omar (ops) forces a payment's status, which a support manager
// must approve, and asks Mark — who knows the case — alone. The form offers only the people and
// the group the policy allows; once sent, Mark's inbox lists the request (its page says he alone
// was asked) and Maya's does not.
import type { Shot } from "./shot.ts";

const OMAR = "omar.ops@airlock.demo";
const MARK = "mark.manager@airlock.demo";
const MAYA = "maya.manager@airlock.demo";

export const shots: Shot[] = [
  {
    title: "The Reviewers picker: Omar asks Mark alone to approve a payment override",
    async take({ signedIn, save }) {
      const omar = await signedIn(OMAR, "/actions/override_payment");
      await omar.getByRole("textbox", { name: "Payment", exact: true }).fill("pay_demo_disputed");
      await omar.locator("#param-status").selectOption("reversed");
      await omar
        .getByRole("textbox", { name: /^Reason/ })
        .fill("Merchant never delivered; Mark handled the dispute, case 8812");
      const picker = omar.getByRole("combobox", { name: "Reviewers" });
      await picker.click();
      await omar.getByRole("option", { name: "Mark Manager" }).click();
      await save(omar, "reviewer-picker", "#run-reviewers");
      await omar.keyboard.press("Escape");
      // A high-risk action: the values are confirmed before they are sent.
      await omar.getByRole("button", { name: "Review and run" }).click();
      await omar.getByRole("button", { name: "Confirm and run" }).click();
      await omar.locator("[data-run-outcome]").waitFor();
      await omar.context().close();

      // Only the person picked is asked: the request is in Mark's inbox, not in Maya's.
      const mark = await signedIn(MARK, "/approvals");
      await mark.getByText("Override a payment's status").first().click({ timeout: 30_000 });
      await mark.locator("[data-chosen-reviewers]").waitFor({ timeout: 30_000 });
      await save(mark, "reviewer-picked", "[data-chosen-reviewers]");
      await mark.context().close();
      const maya = await signedIn(MAYA, "/approvals");
      await maya
        .getByRole("heading", { name: /Approvals/ })
        .first()
        .waitFor();
      await maya.waitForTimeout(1_000);
      if ((await maya.getByText("Override a payment's status").count()) > 0)
        throw new Error("Maya's inbox lists a request Omar asked Mark alone to approve");
      await maya.context().close();
    },
  },
];
