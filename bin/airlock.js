#!/usr/bin/env node
// The `airlock` command. Airlock runs on Node.js 24 (it runs its TypeScript sources directly).
// When started by an older system Node (this may happen with a bare `./bin/airlock.js`), re-run
// with the Node 24 that `npm install` placed in node_modules (the pinned `node` package).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  const here = dirname(fileURLToPath(import.meta.url));
  const pinned = join(here, "..", "node_modules", "node", "bin", "node");
  if (!existsSync(pinned)) {
    console.error(
      `airlock: Node.js 24 or newer is required (this is ${process.version}); run npm install first.`,
    );
    process.exit(1);
  }
  const result = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}

// This repository runs its sources; the npm package ships no src/, only the compiled dist/ (Node
// does not strip types under node_modules).
const source = new URL("../src/cli/main.ts", import.meta.url);
const { main } = existsSync(source) ? await import(source.href) : await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
