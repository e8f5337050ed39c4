// `airlock init [dir]`: a workspace to start from, in an empty or an existing project. It never
// overwrites: if a file it would write exists, it stops before writing anything and says which.
// package.json and .gitignore are merged (scripts and lines that are missing are added).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { type Command, parseCommandArgs, UsageError } from "./command.ts";
import { CONFIG_TEMPLATE, GITIGNORE_LINES, SCRIPTS, TEST_TEMPLATE } from "./init-templates.ts";

const NEW_FILES: Record<string, string> = {
  "airlock.config.ts": CONFIG_TEMPLATE,
  "test/airlock.test.ts": TEST_TEMPLATE,
};

interface PackageJson {
  name?: string;
  type?: string;
  scripts?: Record<string, string>;
  [key: string]: unknown;
}

function readPackageJson(path: string): PackageJson {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PackageJson;
  } catch (error) {
    throw new UsageError(
      `${path} is not valid JSON (${(error as Error).message}); fix it and run init again.`,
    );
  }
}

function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name || "airlock-workspace";
}

export const initCommand: Command = {
  name: "init",
  summary: "Scaffold a workspace: airlock.config.ts, a test, package.json scripts, .gitignore",
  help: [
    "Usage: airlock init [dir]",
    "",
    "Writes into dir (default: the current directory):",
    "  airlock.config.ts      one action (issue_refund), one approval policy, one role",
    "  test/airlock.test.ts   tests of that action through airlock/testing",
    "  package.json           created, or missing scripts (dev, check, start, test) added",
    "  .gitignore             created, or .airlock/ (local data) added",
    "Refuses to overwrite an existing airlock.config.ts or test file.",
  ].join("\n"),
  async run(args, io) {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length > 1) throw new UsageError("give at most one directory.");
    const dir = resolve(positionals[0] ?? ".");
    const shown = (path: string) => relative(process.cwd(), path) || ".";

    const existing = Object.keys(NEW_FILES).filter((file) => existsSync(join(dir, file)));
    if (existing.length > 0) {
      io.err(
        `airlock init: ${existing.map((f) => shown(join(dir, f))).join(", ")} already exist${existing.length === 1 ? "s" : ""}; nothing was written. Move ${existing.length === 1 ? "it" : "them"} away to start afresh.`,
      );
      return 1;
    }
    const packagePath = join(dir, "package.json");
    const pkg: PackageJson | null = existsSync(packagePath) ? readPackageJson(packagePath) : null;

    const done: string[] = [];
    mkdirSync(join(dir, "test"), { recursive: true });
    for (const [file, text] of Object.entries(NEW_FILES)) {
      writeFileSync(join(dir, file), text, { flag: "wx" });
      done.push(`created ${shown(join(dir, file))}`);
    }

    if (pkg === null) {
      const created: PackageJson = {
        name: packageName(dir),
        private: true,
        // airlock.config.ts is an ES module (Node strips its types).
        type: "module",
        scripts: { ...SCRIPTS },
      };
      writeFileSync(packagePath, `${JSON.stringify(created, null, 2)}\n`, { flag: "wx" });
      done.push(`created ${shown(packagePath)} (scripts: ${Object.keys(SCRIPTS).join(", ")})`);
    } else {
      const scripts = { ...(pkg.scripts ?? {}) };
      const added = Object.keys(SCRIPTS).filter((name) => scripts[name] === undefined);
      const kept = Object.keys(SCRIPTS).filter(
        (name) => scripts[name] !== undefined && scripts[name] !== SCRIPTS[name],
      );
      for (const name of added) scripts[name] = SCRIPTS[name]!;
      let changed = added.length > 0;
      const updated: PackageJson = { ...pkg, scripts };
      if (pkg.type === undefined) {
        // airlock.config.ts and the test are ES modules; a package.json without "type" is CommonJS.
        updated.type = "module";
        changed = true;
      }
      if (changed) writeFileSync(packagePath, `${JSON.stringify(updated, null, 2)}\n`);
      if (added.length > 0) done.push(`added scripts ${added.join(", ")} to ${shown(packagePath)}`);
      if (pkg.type === undefined) done.push(`set "type": "module" in ${shown(packagePath)}`);
      for (const name of kept) done.push(`kept your "${name}" script (airlock's would be: ${SCRIPTS[name]})`);
      if (pkg.type !== undefined && pkg.type !== "module")
        done.push(
          `note: ${shown(packagePath)} says "type": "${pkg.type}"; airlock.config.ts is an ES module, rename it .mts and set AIRLOCK_CONFIG if Node refuses it`,
        );
    }

    const gitignorePath = join(dir, ".gitignore");
    const lines = existsSync(gitignorePath) ? readFileSync(gitignorePath, "utf8").split(/\r?\n/) : null;
    const missing = GITIGNORE_LINES.filter((line) => !lines?.some((l) => l.trim() === line));
    if (lines === null) {
      writeFileSync(gitignorePath, `${GITIGNORE_LINES.join("\n")}\n`, { flag: "wx" });
      done.push(`created ${shown(gitignorePath)}`);
    } else if (missing.length > 0) {
      const text = readFileSync(gitignorePath, "utf8");
      writeFileSync(
        gitignorePath,
        `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${missing.join("\n")}\n`,
      );
      done.push(`added ${missing.join(", ")} to ${shown(gitignorePath)}`);
    }

    io.out(
      [
        ...done,
        "",
        "Next:",
        "  npx airlock check   check the workspace (permissions, policies, PII)",
        "  npx airlock dev     serve it with the web UI; sign in as dev@example.com / demo",
        "  npm test            run test/airlock.test.ts",
      ].join("\n"),
    );
    return 0;
  },
};
