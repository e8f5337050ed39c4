// npm run screenshots: the README's pictures, from the demo workspace the README tells a newcomer
// to run. Starts `airlock start` (what `npm start` runs) on a fresh temporary data directory
// (embedded PostgreSQL, demo data seeded), then runs every shot module in scripts/screenshots/
// (`export const shots: Shot[]`) in file-name order against it in Chromium, as the demo people.
// Add a module to add pictures. CHROMIUM_PATH overrides /usr/bin/chromium; SHOTS=50 runs only
// the modules whose file name starts with 50 (a comma-separated list of prefixes).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { type Shot, shotContext } from "./screenshots/shot.ts";

const root = resolve(import.meta.dirname, "..");

async function startDemo(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    AIRLOCK_DATA_DIR: dataDir,
    PORT: "0",
    AIRLOCK_LOG_LEVEL: "warn",
  };
  delete env.DATABASE_URL;
  delete env.AIRLOCK_DEMO;
  delete env.AIRLOCK_CONFIG;
  const child = spawn(process.execPath, [join(root, "bin/airlock.js"), "start"], { cwd: root, env });
  let out = "";
  const collect = (d: Buffer) => {
    out += d;
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`The demo did not start in 180 s:\n${out}`)), 180_000);
    const check = () => {
      const match = /Airlock is running at (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      done(match[1]!.replace(/\/$/, ""));
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.on("exit", (code) => fail(new Error(`airlock start exited (${code}):\n${out}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

async function loadShots(): Promise<Shot[]> {
  const dir = join(import.meta.dirname, "screenshots");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "shot.ts")
    .filter((f) => !process.env.SHOTS || process.env.SHOTS.split(",").some((p) => f.startsWith(p.trim())))
    .sort();
  const shots: Shot[] = [];
  for (const file of files) {
    const module = (await import(join(dir, file))) as { shots?: Shot[] };
    shots.push(...(module.shots ?? []));
  }
  return shots;
}

const dataDir = mkdtempSync(join(tmpdir(), "airlock-screenshots-"));
const started = performance.now();
const { child, url } = await startDemo(dataDir);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
// A shot that fails is reported and the others still run; the exit code says whether all worked.
let failed = 0;
try {
  const context = shotContext(browser, url);
  for (const shot of await loadShots()) {
    console.log(shot.title);
    try {
      await shot.take(context);
    } catch (error) {
      failed++;
      console.error(`  failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} finally {
  await browser.close();
  await stop(child);
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  `${failed ? `${failed} shot(s) failed` : "Done"} in ${Math.round((performance.now() - started) / 1000)} s.`,
);
process.exit(failed ? 1 : 0);
