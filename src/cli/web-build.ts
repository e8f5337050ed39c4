// `airlock start` builds the web UI when its sources changed since the last build. The build runs
// in a child process (the same `src/web/build.ts --if-stale` that `npm install` runs): Vite stays
// out of the server's memory, and the check costs one directory walk when nothing changed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CliIo } from "./command.ts";

const BUILD_SCRIPT = fileURLToPath(new URL("../web/build.ts", import.meta.url));

/** Resolves when the UI is fresh or the build ended; a failed build is reported, not fatal (the server then shows a "not built" page). */
export function buildWebIfStale(io: CliIo): Promise<boolean> {
  // The npm package ships the UI built (dist/web) and not its sources: nothing to build.
  if (!existsSync(BUILD_SCRIPT)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUILD_SCRIPT, "--if-stale", "--quiet"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => {
      io.err(`airlock: could not build the web UI: ${error.message}`);
      resolve(false);
    });
    child.on("exit", (code) => {
      const text = output.trim();
      if (code === 0) {
        if (text && !text.includes("up to date")) io.out(text);
        resolve(true);
      } else {
        io.err(`airlock: building the web UI failed; the API works, the UI shows a notice.\n${text}`);
        resolve(false);
      }
    });
  });
}
