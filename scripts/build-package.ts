// What `npm pack` (prepack) ships: Node refuses to strip types from files under node_modules, so
// the package carries compiled JavaScript and declarations in dist/ (tsconfig.build.json), next to
// the built web UI in dist/web. This repository itself keeps running from src/ (bin/airlock.js
// prefers src/ when it is there; the package has no src/).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const started = performance.now();
run([join(root, "src/web/build.ts"), "--if-stale"]);

// TypeScript builds incrementally (its build info in .airlock/, never shipped): a change compiles
// what it affects, not the whole tree again. What tsc's build info cannot know is handled here: a
// module deleted from src/ must not live on in the package (its outputs are removed), and an output
// deleted from dist/ must come back (a full build then).
const sources = new Set(
  listFiles(join(root, "src"))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("web/"))
    .map((file) => file.slice(0, -".ts".length)),
);
const buildInfo = join(root, ".airlock", "package-build.tsbuildinfo");
for (const file of listFiles(dist)) {
  if (file.startsWith("web/") || file.startsWith(".")) continue;
  const module = file.replace(/(\.d\.ts|\.js)(\.map)?$/, "");
  if (!sources.has(module)) rmSync(join(dist, file), { force: true });
}
const complete = [...sources].every(
  (module) => existsSync(join(dist, `${module}.js`)) && existsSync(join(dist, `${module}.d.ts`)),
);
if (!complete) rmSync(buildInfo, { force: true });
mkdirSync(join(root, ".airlock"), { recursive: true });
// --noCheck: tsc only emits (JavaScript and declarations); type checking is `npm run typecheck`'s
// job, which CI runs before the tests. Checking again here made `npm pack` (and the package test,
// which packs) take three times as long.
run([
  join(root, "node_modules/typescript/bin/tsc"),
  "-p",
  join(root, "tsconfig.build.json"),
  "--noCheck",
  "--incremental",
  "--tsBuildInfoFile",
  buildInfo,
]);
if (!existsSync(join(dist, "web", "index.html")) || !existsSync(join(dist, "cli", "main.js"))) {
  console.error("build-package: dist/web/index.html or dist/cli/main.js is missing");
  process.exit(1);
}
console.log(`build-package: dist/ built in ${((performance.now() - started) / 1000).toFixed(1)} s`);

/** Every file under `dir`, as paths relative to it (none when it does not exist). */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}
