// Several `airlock` commands in ONE child process, each as `bin/airlock.js` runs it (`main(argv)`
// with its own environment), in order. Starting a process costs seconds under load (measured:
// 13 s wall for `airlock --help` with the machine busy, 1.6 s of it CPU), so a group of checks
// shares one. Each command gets the exit code and the stdout/stderr text a lone run would give.
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { CliResult } from "../support/airlock-cli.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const CHILD = join(import.meta.dirname, "cli-batch-child.ts");
const MARKER = "\n@@cli-batch@@\n";

export interface CliCommand {
  args: string[];
  env: Record<string, string>;
}

export function runAirlockBatch(commands: CliCommand[]): Promise<CliResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: "/tmp" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`the CLI batch exited ${code}: ${out}`));
      resolve(JSON.parse(out.slice(out.lastIndexOf(MARKER) + MARKER.length)) as CliResult[]);
    });
    child.stdin.end(JSON.stringify(commands));
  });
}
