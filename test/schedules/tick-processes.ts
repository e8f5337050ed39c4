// Starting the schedule tests' Airlock processes (`tick-process.ts`): each in its own Node with
// only the environment it is given, resolved once it says it is ready (and, with TICK_HTTP, where
// it listens). Every child goes into `children`, so the test's `after` can kill what is left.
// `steadyPoll` preloads `steady-poll.ts`: the process polls DBOS's schedules at its configured
// interval from launch instead of every second during its first minute.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const SCRIPT = join(import.meta.dirname, "tick-process.ts");
const STEADY_POLL = join(import.meta.dirname, "steady-poll.ts");

export type TickProcess = { child: ChildProcess; apiUrl: string | null };

export async function startTickProcess(
  children: ChildProcess[],
  env: Record<string, string>,
  options: { steadyPoll?: boolean } = {},
): Promise<TickProcess> {
  return await spawnTickProcess(children, env, options, false).ready;
}

/**
 * A process loaded but not started (TICK_HOLD): `start()` starts it and resolves once it is
 * ready. Loading (Node, the imports) is most of a start under load, and can overlap another's.
 */
export async function holdTickProcess(
  children: ChildProcess[],
  env: Record<string, string>,
  options: { steadyPoll?: boolean } = {},
): Promise<{ child: ChildProcess; start(): Promise<TickProcess> }> {
  const spawned = spawnTickProcess(children, { ...env, TICK_HOLD: "1" }, options, true);
  await spawned.loaded;
  return {
    child: spawned.child,
    start() {
      spawned.child.stdin!.write("start\n");
      return spawned.ready;
    },
  };
}

function spawnTickProcess(
  children: ChildProcess[],
  env: Record<string, string>,
  options: { steadyPoll?: boolean },
  held: boolean,
): { child: ChildProcess; loaded: Promise<void>; ready: Promise<TickProcess> } {
  const child = spawn(process.execPath, [...(options.steadyPoll ? ["--import", STEADY_POLL] : []), SCRIPT], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: [held ? "pipe" : "ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  let onLoaded = () => {};
  let failLoad = (_error: Error) => {};
  const loaded = new Promise<void>((resolve, reject) => {
    onLoaded = resolve;
    failLoad = reject;
  });
  const ready = new Promise<TickProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start in 150 s:\n${output}`)), 150_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes("schedule process loaded")) onLoaded();
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
      const error = new Error(`exited (${code}) while starting:\n${output}`);
      failLoad(error);
      reject(error);
    });
  });
  // A held process's start is awaited only once it is told to start.
  ready.catch(() => {});
  loaded.catch(() => {});
  return { child, loaded, ready };
}
