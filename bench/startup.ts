// `npm start` (airlock start) on a warm install to /readyz answering 200: the first start
// initialises the data dir and seeds (not timed); the next starts are timed.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { findFreePort, removeAbandoned } from "../src/store/embedded-postgres.ts";

const root = resolve(import.meta.dirname, "..");

export async function measureStartup(rounds: number): Promise<{ coldMs: number; warmMs: number[] }> {
  const dataDir = join(root, ".airlock", `bench-start-${randomBytes(3).toString("hex")}`);
  try {
    const coldMs = await startOnce(dataDir);
    const warmMs: number[] = [];
    for (let i = 0; i < rounds; i++) warmMs.push(await startOnce(dataDir));
    return { coldMs, warmMs };
  } finally {
    await removeAbandoned(dataDir);
  }
}

async function startOnce(dataDir: string): Promise<number> {
  const port = await findFreePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "bin", "airlock.js"), "start"], {
    cwd: root,
    env: {
      ...process.env,
      AIRLOCK_DATA_DIR: dataDir,
      PORT: String(port),
      AIRLOCK_LOG_LEVEL: "warn",
      DATABASE_URL: "",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`airlock start exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 120_000)
        throw new Error("airlock start did not become ready within 120 s");
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}
