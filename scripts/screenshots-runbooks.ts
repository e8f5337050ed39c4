// Screenshots of the runbook pages from the demo workspace, into docs/screenshots/: the fraud
// runbook's live page waiting for the risk team (as Raj, who may answer: the form inline), the
// inbox listing that step, and the finished run; then the Schedules page as an admin. Starts `airlock start` on a fresh embedded
// database of its own (a temporary data directory), drives Debian's Chromium, then stops it.
//
//   node_modules/.bin/node scripts/screenshots-runbooks.ts
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { launchBrowser, SCREENSHOTS, signIn } from "../test/web/support/chromium.ts";

const ROOT = resolve(import.meta.dirname, "..");
const PASSWORD = "demo";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}

async function waitForReady(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (exited()) throw new Error("airlock start exited before it was ready (its output is above)");
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not ready after 5 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "airlock-screenshots-"));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const { DATABASE_URL: _ignored, ...env } = process.env;
const airlock = spawn(process.execPath, [join(ROOT, "bin", "airlock.js"), "start", "--port", String(port)], {
  cwd: ROOT,
  env: { ...env, AIRLOCK_DATA_DIR: dataDir, AIRLOCK_LOG_LEVEL: "warn", HOST: "127.0.0.1" },
  stdio: ["ignore", "inherit", "inherit"],
});
let exited = false;
airlock.on("exit", () => {
  exited = true;
});

const browser = await launchBrowser();
try {
  await waitForReady(url, () => exited);
  const shot = async (page: import("playwright-core").Page, name: string, fullPage = false) => {
    await page.mouse.move(1270, 790);
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
    // SCREENSHOTS is the system's temporary folder: copy a picture into docs/screenshots/ to keep it.
    console.log(join(SCREENSHOTS, `${name}.png`));
  };

  // Rita starts the fraud runbook from the catalog for the flagged account.
  const rita = (await browser.newPage()).page;
  await signIn(rita, url, "rita.risk@airlock.demo", PASSWORD, "/");
  await rita.locator('[data-runbook-row="fraud_review"]').click();
  await rita.locator("#param-accountId").fill("acc_demo_flagged");
  // The account picker's list opens over the form: pick the account, as a person would.
  await rita.locator('[role="option"][value="acc_demo_flagged"]').click();
  await rita.getByRole("button", { name: "Start runbook" }).click();
  await rita.waitForURL(/\/runbooks\/runs\/rbr_/);
  const runPath = new URL(rita.url()).pathname;
  await rita.locator('[data-step="input"][data-step-status="waiting"]').waitFor({ timeout: 60_000 });

  // Raj (risk) finds the decision in his inbox, and opens it: the form is inline for him.
  const raj = (await browser.newPage()).page;
  await signIn(raj, url, "raj.risk@airlock.demo", PASSWORD, "/approvals");
  await raj.locator("[data-runbook-input]").first().waitFor({ timeout: 30_000 });
  await shot(raj, "inbox-runbook-step");
  await raj.goto(`${url}${runPath}`);
  const form = raj.locator('[data-human-step-form="input"]');
  await form.waitFor({ timeout: 30_000 });
  await form.locator("#param-decision").selectOption("confirm");
  await form.locator("#param-reason").fill("Customer confirmed the card was stolen");
  await form.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot(raj, "runbook-waiting");
  await form.getByRole("button", { name: "Send answer" }).click();

  // Rita's page follows without a reload to the end: every step, its run, who answered.
  await rita.locator('[data-run-status="succeeded"]').waitFor({ timeout: 120_000 });
  await rita.evaluate(() => document.getElementById("main")?.scrollIntoView({ block: "start" }));
  // The whole page: the timeline of a finished run is longer than a screen.
  await shot(rita, "runbook-run", true);

  // Ada (admin) on the Schedules page: the daily fraud check, its next runs, and Pause.
  const ada = (await browser.newPage()).page;
  await signIn(ada, url, "ada.admin@airlock.demo", PASSWORD, "/schedules");
  await ada.getByRole("table", { name: "Schedules" }).waitFor({ timeout: 30_000 });
  await ada.getByLabel("Next runs of daily_fraud_check").waitFor();
  await shot(ada, "schedules");
} finally {
  await browser.close();
  airlock.kill("SIGINT");
  await new Promise((done) => (exited ? done(null) : airlock.once("exit", done)));
  rmSync(dataDir, { recursive: true, force: true });
}
