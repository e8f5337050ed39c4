// What `airlock init` writes: a workspace with one action, one approval policy and one role
// (templates/init/airlock.config.ts), and a test of that action through the testing helper
// (templates/init/airlock.test.ts). The templates are real files, shipped in the package, so they
// read (and are formatted) like the code they become.
import { readFileSync } from "node:fs";

const template = (name: string) =>
  readFileSync(new URL(`../../templates/init/${name}`, import.meta.url), "utf8");

export const CONFIG_TEMPLATE = template("airlock.config.ts");
export const TEST_TEMPLATE = template("airlock.test.ts");

export const GITIGNORE_LINES = ["node_modules/", ".airlock/"];

export const SCRIPTS: Record<string, string> = {
  dev: "airlock dev",
  check: "airlock check",
  start: "airlock start",
  test: 'node --test "test/**/*.test.ts"',
};
