// The `airlock` command run as a user runs it: a child process on bin/airlock.js with only the
// environment given. Asynchronous, because the server answering it often lives in the test's own
// process and must keep serving while the command waits.
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export function runAirlock(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "airlock.js"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.stderr.on("data", (c) => {
      err += c;
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}
