// What a shot module gets: the running demo, a signed-in page per demo person, and `save`, which
// writes docs/screenshots/<name>.png at 1280×800 with the given element in view.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";

export const SCREENSHOTS = resolve(import.meta.dirname, "../../docs/screenshots");
/** Every demo person's password in demo mode (examples/demo/demo-users.ts). */
export const DEMO_PASSWORD = "demo";

export interface ShotContext {
  /** The demo Airlock, e.g. http://127.0.0.1:41234. */
  url: string;
  /** A fresh page (own cookies) signed in as the demo person with this email, at `path`. */
  signedIn(email: string, path?: string): Promise<Page>;
  /** A fresh page signed in as nobody. */
  page(): Promise<Page>;
  /** docs/screenshots/<name>.png; `show` is scrolled into view first; `fullPage` for long pages. */
  save(page: Page, name: string, show?: string, options?: { fullPage?: boolean }): Promise<void>;
}

/** A module in scripts/screenshots/ exports `shots`: run in file-name order, each takes its pictures. */
export interface Shot {
  /** What it shows, printed as it runs. */
  title: string;
  take(context: ShotContext): Promise<void>;
}

export function shotContext(browser: Browser, url: string): ShotContext {
  const page = async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: "en-US",
      reducedMotion: "reduce",
      colorScheme: "light",
    });
    return context.newPage();
  };
  return {
    url,
    page,
    async signedIn(email, path = "/") {
      const p = await page();
      await p.goto(`${url}${path}`);
      await p.getByLabel("Email").fill(email);
      await p.getByLabel(/^Password/).fill(DEMO_PASSWORD);
      await p.getByRole("button", { name: "Sign in", exact: true }).click();
      await p.getByRole("button", { name: /account menu$/ }).waitFor();
      return p;
    },
    async save(p, name, show, options = {}) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      if (show)
        await p
          .locator(show)
          .first()
          .evaluate((el) => el.scrollIntoView({ block: "center" }));
      await p.mouse.move(1270, 790);
      await p.waitForTimeout(300);
      await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: options.fullPage ?? false });
      console.log(`  docs/screenshots/${name}.png`);
    },
  };
}
