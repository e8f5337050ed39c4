// The demo fee run (README step 8): Maya runs Find late payments (30 days and more), follows "Run
// an action on these N rows" to the batch's preview (count, total, the duplicate account, "needs
// a second person"), starts it; Mark finds the batch in his inbox, approves it, and the batch page
// follows it to the end with its items.
import type { Shot } from "./shot.ts";

const MAYA = "maya.manager@airlock.demo";
const MARK = "mark.manager@airlock.demo";

export const shots: Shot[] = [
  {
    title: "A late fee for every account 30 days late: the batch's preview, then the finished batch",
    async take({ signedIn, save }) {
      const maya = await signedIn(MAYA, "/actions/find_late_payments");
      await maya.locator("#param-minDaysLate").fill("30");
      await maya.getByRole("button", { name: "Run", exact: true }).click();
      await maya.locator("[data-run-outcome]").waitFor({ timeout: 30_000 });
      await maya.getByRole("link", { name: /^Run an action on these \d+ rows$/ }).click();
      await maya.waitForURL(/\/bulk\/new\?from=/);
      await maya.getByRole("button", { name: /^Preview \d+ rows$/ }).click();
      const preview = maya.locator("[data-bulk-preview]");
      await preview.getByText("Needs a second person").waitFor({ timeout: 30_000 });
      await save(maya, "bulk-preview", "[data-bulk-preview]");
      await preview.getByRole("textbox", { name: "Reason" }).fill("Late fees for November");
      await preview.getByRole("button", { name: /^Start batch of \d+$/ }).click();
      await maya.waitForURL(/\/bulk\/blk_/);
      const batchPath = new URL(maya.url()).pathname;

      const mark = await signedIn(MARK, "/approvals");
      await mark.locator('[data-approval-kind="bulk"]').first().getByRole("link").click();
      await mark.waitForURL(new RegExp(`${batchPath}$`));
      await mark.getByRole("button", { name: "Approve batch" }).click();
      await mark.context().close();

      // Maya's page follows the batch to its end, live.
      await maya
        .locator("[data-bulk-status]")
        .getByText(/succeeded|failed/)
        .waitFor({ timeout: 120_000 });
      await save(maya, "bulk-batch", undefined, { fullPage: true });
      await maya.context().close();
    },
  },
];
