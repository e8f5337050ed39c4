// The runbook pages: the fraud runbook waiting for the risk team (as Raj, who may answer: the form
// inline), the inbox listing that step, and the finished run (the whole page: its timeline is
// longer than a screen); then the Schedules page as an admin.
import type { Shot } from "./shot.ts";

const RITA = "rita.risk@airlock.demo";
const RAJ = "raj.risk@airlock.demo";
const ADA = "ada.admin@airlock.demo";

export const shots: Shot[] = [
  {
    title: "A runbook waiting for the risk team, its step in the inbox, and the finished run",
    async take({ signedIn, save }) {
      // Rita starts the fraud runbook from the catalog for the flagged account.
      const rita = await signedIn(RITA, "/");
      await rita.locator('[data-runbook-row="fraud_review"]').click();
      // The account is a picker: search, then choose.
      await rita.locator("#param-accountId").fill("acc_demo_flagged");
      await rita.getByRole("option", { name: /acc_demo_flagged/ }).click();
      await rita.getByRole("button", { name: "Start runbook" }).click();
      await rita.waitForURL(/\/runbooks\/runs\/rbr_/);
      const runPath = new URL(rita.url()).pathname;
      await rita.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 60_000 });

      // Raj (risk) finds the decision in his inbox, and opens it: the form is inline for him.
      const raj = await signedIn(RAJ, "/approvals");
      await raj.locator("[data-runbook-input]").first().waitFor({ timeout: 30_000 });
      await save(raj, "inbox-runbook-step");
      await raj.goto(`${new URL(raj.url()).origin}${runPath}`);
      const form = raj.locator('[data-human-step-form="input"]');
      await form.waitFor({ timeout: 30_000 });
      await form.locator("#param-decision").selectOption("confirm");
      await form.locator("#param-reason").fill("Customer confirmed the card was stolen");
      await save(raj, "runbook-waiting", '[data-human-step-form="input"]');
      await form.getByRole("button", { name: "Send answer" }).click();

      // Rita's page follows without a reload to the end: every step, its run, who answered.
      await rita.locator('[data-run-status="succeeded"]').waitFor({ timeout: 120_000 });
      await rita.evaluate(() => document.getElementById("main")?.scrollIntoView({ block: "start" }));
      await save(rita, "runbook-run", undefined, { fullPage: true });
      await raj.context().close();
      await rita.context().close();
    },
  },
  {
    title: "The Schedules page: the daily fraud check, its next runs, and Pause",
    async take({ signedIn, save }) {
      const ada = await signedIn(ADA, "/schedules");
      await ada.getByRole("table", { name: "Schedules" }).waitFor({ timeout: 30_000 });
      await ada.getByLabel("Next runs of daily_fraud_check").waitFor();
      await save(ada, "schedules");
      await ada.context().close();
    },
  },
];
