// What the reliability tests run: their own embedded PostgreSQL (never the shared test server,
// which they kill and restart), and real `airlock serve` / `airlock worker` processes on it, as an
// operator would deploy them. Everything started here is stopped by `stop()`, also after a
// failed test.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { prepareDatabase } from "../../src/runtime/prepare-database.ts";
import { ownerClient } from "../../src/store/database.ts";
import { type EmbeddedHandle, startEmbeddedPostgres } from "../../src/store/embedded-postgres.ts";
import { AIRLOCK_MIGRATIONS } from "../../src/store/migrate.ts";
import { createCreditSchema } from "./credit-workspace.ts";

const root = join(import.meta.dirname, "..", "..");

export interface OwnPostgres {
  /** Owner URL of the `airlock` database. */
  url: string;
  port: number;
  /**
   * SIGKILL of the postmaster and its backends at once (what a host crash or the OOM killer does):
   * no shutdown, no checkpoint; PostgreSQL recovers from its WAL on the next start.
   */
  kill9(): Promise<void>;
  /** Fast shutdown (`pg_ctl stop -m fast`): open transactions are rolled back, sessions ended. */
  stopClean(): Promise<void>;
  /** Start again on the same port and data. */
  start(): Promise<void>;
  remove(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dataDir = join(root, ".airlock", `test-pg-reliability-${randomBytes(4).toString("hex")}`);
  await mkdir(dataDir, { recursive: true });
  let handle: EmbeddedHandle | null = await startEmbeddedPostgres({ dataDir, database: "airlock" });
  const { port, pgDir, url } = handle;

  async function postmasterPid(): Promise<number | null> {
    try {
      const pid = Number.parseInt(
        (await readFile(join(pgDir, "postmaster.pid"), "utf8")).split("\n")[0]!,
        10,
      );
      return Number.isFinite(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  return {
    url,
    port,
    async kill9() {
      const pid = await postmasterPid();
      if (pid === null) throw new Error("no postmaster to kill");
      // The embedded postmaster leads its own process group (started detached), backends included.
      process.kill(-pid, "SIGKILL");
      while (alive(pid)) await sleep(20);
      handle = null;
    },
    async stopClean() {
      await handle?.stop();
      handle = null;
    },
    async start() {
      // After a SIGKILL the orphaned backends notice their postmaster is gone and exit within a
      // moment; until then PostgreSQL refuses to start on their shared memory. Try again briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          handle = await startEmbeddedPostgres({ dataDir, port, database: "airlock" });
          return;
        } catch (error) {
          if (process.env.RELIABILITY_DEBUG) console.log("start attempt", attempt, (error as Error).message);
          if (attempt >= 40) throw error;
          await sleep(250);
        }
      }
    },
    async remove() {
      await handle?.stop().catch(() => {});
      const pid = await postmasterPid();
      if (pid !== null && alive(pid)) process.kill(pid, "SIGKILL");
      await rm(pgDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Migrations and the credit workspace's tables, as `airlock migrate` and an operator would. */
export async function prepareCreditDatabase(url: string): Promise<void> {
  await prepareDatabase(url, [AIRLOCK_MIGRATIONS]);
  await createCreditSchema(url);
  // A server in service checkpoints every few minutes; without one here, crash recovery would
  // replay everything since initdb (measured: 5–10 s of the restart, instead of well under 1 s).
  const owner = await ownerClient(url);
  try {
    await owner.query("CHECKPOINT");
  } finally {
    await owner.end();
  }
}

export interface AirlockProcess {
  kind: "serve" | "worker";
  child: ChildProcess;
  /** `http://127.0.0.1:port` for `serve`. */
  url: string;
  /** Every line it wrote (JSON log lines and the banner). */
  lines: string[];
  alive(): boolean;
  kill9(): Promise<void>;
}

export function spawnAirlock(
  kind: "serve" | "worker",
  databaseUrl: string,
  started: AirlockProcess[],
  /** `serveWorkers`: worker slots of a `serve` process (0: it only accepts runs). */
  options: { config?: string; serveWorkers?: number } = {},
): Promise<AirlockProcess> {
  const args =
    kind === "serve" ? ["serve", "--host", "127.0.0.1", "--port", "0"] : ["worker", "--concurrency", "4"];
  const child = spawn(process.execPath, [join(root, "bin", "airlock.js"), ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: databaseUrl,
      AIRLOCK_CONFIG: options.config ?? join(import.meta.dirname, "credit.config.ts"),
      AIRLOCK_LOG_LEVEL: "info",
      AIRLOCK_DEMO: "0",
      // Servers only accept runs unless told otherwise; the worker processes execute them.
      AIRLOCK_WORKER_CONCURRENCY: kind === "serve" ? String(options.serveWorkers ?? 0) : "4",
      AIRLOCK_RUN_WAIT_MS: "0",
      AIRLOCK_DB_POOL_SIZE: "10",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const proc: AirlockProcess = {
    kind,
    child,
    url: "",
    lines,
    alive: () => !exited,
    async kill9() {
      if (exited) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    },
  };
  started.push(proc);
  return new Promise((resolve, reject) => {
    // Generous: next to the rest of the suite on 2 cores, a start was measured at over 60 s.
    const timer = setTimeout(
      () => reject(new Error(`${kind} did not start in 150 s:\n${lines.join("\n")}`)),
      150_000,
    );
    let partial = "";
    const onData = (chunk: Buffer) => {
      partial += String(chunk);
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        const banner = /Airlock is running at (http:\/\/\S+)/.exec(line);
        if (banner || line.includes("Airlock worker running")) {
          clearTimeout(timer);
          if (banner) proc.url = banner[1]!;
          resolve(proc);
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited (${code ?? signal}) while starting:\n${lines.join("\n")}`));
    });
  });
}

/** The JSON log lines of a process whose `msg` matches. */
export function logLines(proc: AirlockProcess, msg: RegExp): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const line of proc.lines) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed.msg === "string" && msg.test(parsed.msg)) found.push(parsed);
    } catch {}
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped) still answers kill(0).
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Which of `pids` owns the local TCP port `port` (the client side of a PostgreSQL connection, as
 * pg_stat_activity.client_port shows it): lets a test kill the worker that is executing a run.
 */
export function processOwningPort(port: number, pids: number[]): number | null {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (local && Number.parseInt(local.split(":")[1] ?? "", 16) === port && fields[9])
        inodes.add(fields[9]);
    }
  }
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return pid;
      } catch {}
    }
  }
  return null;
}
