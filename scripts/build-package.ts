// What `npm pack` (prepack) ships: Node refuses to strip types from files under node_modules, so
// the package carries compiled JavaScript and declarations in dist/ (tsconfig.build.json), next to
// the built web UI in dist/web. This repository itself keeps running from src/ (bin/airlock.js
// prefers src/ when it is there; the package has no src/).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const started = performance.now();
run([join(root, "src/web/build.ts"), "--if-stale"]);
// A module deleted from src/ must not live on in the package: start from the web bundle alone
// (and leave the web build's lock, .web-build.lock, to whoever holds it).
for (const entry of existsSync(dist) ? readdirSync(dist) : []) {
  if (entry !== "web" && !entry.startsWith(".")) rmSync(join(dist, entry), { recursive: true, force: true });
}
run([join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")]);
if (!existsSync(join(dist, "web", "index.html")) || !existsSync(join(dist, "cli", "main.js"))) {
  console.error("build-package: dist/web/index.html or dist/cli/main.js is missing");
  process.exit(1);
}
console.log(`build-package: dist/ built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
