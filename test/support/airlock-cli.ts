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
      env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...compileCache(), ...env },
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

/** `npm test`'s compile cache (test/run.ts), passed on: it changes no behaviour, only load time. */
function compileCache(): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of ["NODE_COMPILE_CACHE", "NODE_DISABLE_COMPILE_CACHE"]) {
    const value = process.env[name];
    if (value !== undefined) passed[name] = value;
  }
  return passed;
}
