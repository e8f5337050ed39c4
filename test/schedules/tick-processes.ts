// Starting the schedule tests' Airlock processes (`tick-process.ts`): each in its own Node with
// only the environment it is given, resolved once it says it is ready (and, with TICK_HTTP, where
// it listens). Every child goes into `children`, so the test's `after` can kill what is left.
// `steadyPoll` preloads `steady-poll.ts`: the process polls DBOS's schedules at its configured
// interval from launch instead of every second during its first minute.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const SCRIPT = join(import.meta.dirname, "tick-process.ts");
const STEADY_POLL = join(import.meta.dirname, "steady-poll.ts");

export function startTickProcess(
  children: ChildProcess[],
  env: Record<string, string>,
  options: { steadyPoll?: boolean } = {},
): Promise<{ child: ChildProcess; apiUrl: string | null }> {
  const child = spawn(process.execPath, [...(options.steadyPoll ? ["--import", STEADY_POLL] : []), SCRIPT], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 150 s:\n${output}`)), 150_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const apiUrl = /schedule process listening (\S+)/.exec(output)?.[1] ?? null;
      if (output.includes("schedule process ready") && (apiUrl || !env.TICK_HTTP)) {
        clearTimeout(timer);
        resolve({ child, apiUrl });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) while starting:\n${output}`));
    });
  });
}
