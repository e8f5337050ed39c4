// Builds the web UI into dist/web with Vite's JS API. `node src/web/build.ts` always builds;
// `--if-stale` skips when dist/web/index.html is newer than every file under src/web/ (what
// `npm install` (prepare), `airlock start` and the browser tests call, so an unchanged UI costs
// one directory walk, not a build).
//
// Several processes may ask at once (parallel test files, a server starting): a lock directory
// makes one of them build while the others wait and then find the output fresh.
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
export const WEB_SOURCE_DIR = here;
export const WEB_DIST_DIR = fileURLToPath(new URL("../../dist/web", import.meta.url));
const LOCK_DIR = fileURLToPath(new URL("../../dist/.web-build.lock", import.meta.url));
// A lock older than this belongs to a build that died; take it over.
const LOCK_STALE_MS = 5 * 60_000;

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/** True when dist/web/index.html is missing or older than some file under src/web/. */
export function webBuildIsStale(): boolean {
  let built: number;
  try {
    built = statSync(join(WEB_DIST_DIR, "index.html")).mtimeMs;
  } catch {
    return true;
  }
  return newestSourceMtime(WEB_SOURCE_DIR) >= built;
}

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(join(LOCK_DIR, ".."), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      try {
        if (Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_STALE_MS) rmSync(LOCK_DIR, { recursive: true });
      } catch {
        // Released meanwhile: try again.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

export interface BuildWebResult {
  built: boolean;
  ms: number;
}

/** Builds the UI (or, with `ifStale`, only when the sources changed since the last build). */
export async function buildWeb(
  options: { ifStale?: boolean; quiet?: boolean } = {},
): Promise<BuildWebResult> {
  const started = performance.now();
  if (options.ifStale && !webBuildIsStale()) return { built: false, ms: 0 };
  return withBuildLock(async () => {
    // Another process may have built it while we waited for the lock.
    if (options.ifStale && !webBuildIsStale()) return { built: false, ms: performance.now() - started };
    const { build } = await import("vite");
    await build({
      configFile: join(here, "vite.config.ts"),
      configLoader: "native",
      logLevel: options.quiet ? "warn" : "info",
      mode: "production",
    });
    return { built: true, ms: performance.now() - started };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes("--if-stale");
  try {
    const result = await buildWeb({ ifStale, quiet: process.argv.includes("--quiet") });
    if (!result.built) console.log("web UI: dist/web is up to date");
    else console.log(`web UI: built dist/web in ${(result.ms / 1000).toFixed(1)} s`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
      console.error("web UI: Vite is not installed (a production install without dev dependencies?).");
      console.error("Install dev dependencies and run `npm run build:web`, or ship a prebuilt dist/web.");
      // `npm install --omit=dev` runs `prepare` too: that must not fail the install.
      process.exitCode = ifStale ? 0 : 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  }
}
