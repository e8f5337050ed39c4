import { type ChildProcess, spawn } from "node:child_process";

/**
 * Start a Node 24 child and resolve with the first stdout line that is a JSON object. Lines
 * before it (libraries that announce themselves on stdout, such as DBOS's migrations) go to
 * stderr, so they are seen and never taken for the answer.
 */
export function startJsonChild<T>(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<{ child: ChildProcess; info: T }> {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    let ready = false;
    child.stdout!.on("data", (chunk) => {
      if (ready) return;
      buffer += String(chunk);
      for (let newline = buffer.indexOf("\n"); newline >= 0 && !ready; newline = buffer.indexOf("\n")) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith("{")) {
          ready = true;
          resolve({ child, info: JSON.parse(line) as T });
        } else process.stderr.write(`${line}\n`);
      }
    });
    child.on("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
}

/** Run a Node 24 child to completion, returning its stdout. */
export function runChild(script: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += String(chunk);
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited ${code}`)))),
  );
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  // Unref'd: a pending timer would otherwise hold the bench process open 10 s after its last line.
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
