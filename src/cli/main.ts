// `airlock <command>`: a table of commands, each in its own module. Usage mistakes exit 2 with a
// one-line message; startup problems exit 1 with one line naming the problem.
import { readFileSync } from "node:fs";
import { StartupError } from "../errors/startup-error.ts";
import { accessReviewsCommand } from "./access-reviews-command.ts";
import { adminCommand } from "./admin-command.ts";
import { approvalsCommand, approveCommand, rejectCommand } from "./approval-commands.ts";
import { auditCommand } from "./audit-command.ts";
import { breakGlassCommand } from "./break-glass-command.ts";
import { bulkCommand } from "./bulk-command.ts";
import { changesCommand } from "./changes-command.ts";
import { checkCommand } from "./check-command.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";
import { demoCommand } from "./demo-command.ts";
import { devCommand } from "./dev-command.ts";
import { initCommand } from "./init-command.ts";
import { migrateCommand } from "./migrate-command.ts";
import { policiesCommand } from "./policies-command.ts";
import { runCommand } from "./run-command.ts";
import { inputCommand, runbookCommand } from "./runbook-command.ts";
import { runsCommand } from "./runs-command.ts";
import { schedulesCommand } from "./schedules-command.ts";
import { secretsCommand } from "./secrets-command.ts";
import { serveCommand, startCommand } from "./serve-command.ts";
import { tokensCommand } from "./tokens-command.ts";
import { usersCommand } from "./users-command.ts";
import { workerCommand } from "./worker-command.ts";

export type { CliIo };

const COMMANDS: Command[] = [
  startCommand,
  devCommand,
  serveCommand,
  workerCommand,
  migrateCommand,
  runCommand,
  approveCommand,
  rejectCommand,
  approvalsCommand,
  policiesCommand,
  auditCommand,
  usersCommand,
  tokensCommand,
  demoCommand,
  initCommand,
  checkCommand,
  runsCommand,
  secretsCommand,
  adminCommand,
  changesCommand,
  accessReviewsCommand,
  breakGlassCommand,
  runbookCommand,
  inputCommand,
  schedulesCommand,
  bulkCommand,
];

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: airlock <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  --help       Show help (also: airlock <command> --help)",
    "  --version    Print the version",
    "",
    "Configuration comes from environment variables; see docs/configuration.md.",
  ].join("\n");
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    io.out(version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`airlock: unknown command "${name}". Run airlock --help for the list.`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`airlock ${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof StartupError) {
      io.err(`airlock: ${error.message}`);
      return 1;
    }
    io.err(`airlock: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

function defaultIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
}
