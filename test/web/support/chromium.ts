// Debian's Chromium driven by playwright-core, offline: no downloads, no background networking,
// a fresh profile per browser. Pages record console errors and Content-Security-Policy
// violations so that a test can assert there were none.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..", "..", "..");
const AXE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
/** The tests' own pictures (test workspace), for debugging: the README's come from `npm run screenshots`. */
export const SCREENSHOTS = join(tmpdir(), "airlock-test-screenshots");

export interface TestBrowser {
  browser: Browser;
  /** A new context (own cookies) and page at 1280×800. */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
}

export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath))
    throw new Error(
      `No Chromium at ${executablePath}: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH.`,
    );
  // Playwright gives each launch a fresh temporary profile (it refuses --user-data-dir here;
  // launchPersistentContext would allow one cookie jar only, and a test needs several people).
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    async newPage() {
      // Reduced motion: the app then skips transitions, so checks never see a half-faded dialog.
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        locale: "en-US",
        reducedMotion: "reduce",
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        // Chrome logs every 4xx answer as an error; refusals (401 before sign-in, 422 for bad
        // input) are expected answers the UI shows. A 5xx or anything else is a problem.
        if (message.type() === "error" && !/status of 4\d\d/.test(message.text()))
          problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
        });
        // When each marked element first appeared, on the page's own clock (ms since navigation).
        const seen: Record<string, number> = {};
        (window as unknown as { __firstSeen: Record<string, number> }).__firstSeen = seen;
        const marks = ["[data-action-row]", "[data-run-button]"];
        new MutationObserver(() => {
          for (const mark of marks)
            if (!(mark in seen) && document.querySelector(mark)) seen[mark] = performance.now();
        }).observe(document, { childList: true, subtree: true });
      });
      return { page, context, problems };
    },
    async close() {
      await browser.close();
    },
  };
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string, path = "/") {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: /account menu$/ }).waitFor();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Airlock" }).waitFor();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core in the page; returns the serious and critical violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses an injected <script>.
  const present = await page.evaluate(() => "axe" in window);
  if (!present) await page.evaluate(AXE);
  const result = (await page.evaluate(async () => {
    // @ts-expect-error injected above
    return await window.axe.run(document, { resultTypes: ["violations"] });
  })) as { violations: AxeViolation[] };
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(" ")} — ${n.failureSummary ?? ""}`).join("\n  ")}`,
    )
    .join("\n");
}

/** No serious or critical axe-core violation on the page; `what` names the page in the failure. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const violations = await axeViolations(page);
  assert.equal(violations.length, 0, `${what}: ${describeViolations(violations)}`);
}

/** The page logged no console error, page error or CSP violation so far. */
export function assertNoProblems(watched: WatchedPage): void {
  assert.deepEqual(watched.problems, [], "no console errors, page errors or CSP violations");
}

/** With UPDATE_SCREENSHOTS=1: a 1280×800 PNG of the page into SCREENSHOTS/<name>.png. */
export async function screenshot(page: Page, name: string, show?: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== "1") return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (show)
    await page
      .locator(show)
      .first()
      .evaluate((el) => el.scrollIntoView({ block: "center" }));
  else await page.evaluate(() => document.getElementById("main")?.scrollIntoView({ block: "start" }));
  // Let transitions settle and move the pointer away, so the picture is stable.
  await page.mouse.move(1270, 790);
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Milliseconds from navigation start to the first appearance of a marked element. */
export async function firstSeen(
  page: Page,
  mark: "[data-action-row]" | "[data-run-button]",
): Promise<number> {
  return page.evaluate(
    (m) => (window as unknown as { __firstSeen: Record<string, number> }).__firstSeen[m] ?? -1,
    mark,
  );
}

/**
 * Time the app takes to answer one interaction, measured inside the page: from the click (or the
 * typed text) to the next animation frame in which `ready` matches. Playwright's own waiting is
 * not part of the figure.
 */
export async function timeInteraction(
  page: Page,
  input: { click: string } | { type: string; into: string },
  ready: string,
): Promise<number> {
  return page.evaluate(
    async ({ input, ready }) => {
      const started = performance.now();
      if ("click" in input) (document.querySelector(input.click) as HTMLElement).click();
      else {
        const field = document.querySelector(input.into) as HTMLInputElement;
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
        setter.call(field, input.type);
        field.dispatchEvent(new Event("input", { bubbles: true }));
      }
      await new Promise<void>((resolve, reject) => {
        const deadline = started + 5_000;
        const check = () => {
          if (document.querySelector(ready)) resolve();
          else if (performance.now() > deadline) reject(new Error(`${ready} did not appear`));
          else requestAnimationFrame(check);
        };
        check();
      });
      return Math.round(performance.now() - started);
    },
    { input, ready },
  );
}
