// `npm test`: every test runs against a real PostgreSQL.
//
// - With TEST_DATABASE_URL (a superuser URL to any PostgreSQL 15+ server) the tests use that
//   server; otherwise an embedded PostgreSQL is started under .airlock/test-pg-<run id> and
//   removed at the end (leftovers of killed runs are cleaned up by the next run).
// - Migrations run once into a template database; each test file then gets its own database with
//   CREATE DATABASE … TEMPLATE (test/support/test-database.ts), so files are independent and run
//   in parallel.
// - On a TEST_DATABASE_URL server, databases of a failed run are kept for inspection
//   (TEST_KEEP_DATABASES=1 keeps them always, =0 never).
//
// Arguments are passed to `node --test` (e.g. a file path, or --test-name-pattern).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ownerClient } from "../src/store/database.ts";
import { removeAbandoned, startEmbeddedPostgres } from "../src/store/embedded-postgres.ts";
import { dropTestDatabases, prepareTemplates } from "./support/templates.ts";

const root = resolve(import.meta.dirname, "..");
// Each file's time in ms, to start the longest first: test/support/file-durations.json (committed:
// what a fresh clone, CI, starts from) overridden by .airlock/test-durations.json (this checkout's
// last runs). A file in neither (a new one) counts as a middling file.
const RECORDED = resolve(root, ".airlock", "test-durations.json");
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));

const started = Date.now();
// Each run is isolated: its own embedded server (or, on a shared TEST_DATABASE_URL server, its own
// template and database names), so concurrent runs never see or drop each other's databases.
const runId = randomBytes(3).toString("hex");
let serverUrl = process.env.TEST_DATABASE_URL;
let stopEmbedded: (() => Promise<void>) | null = null;
if (!serverUrl) {
  const base = resolve(root, ".airlock");
  for (const name of safeList(base)) {
    if (name.startsWith("test-pg-")) await removeAbandoned(resolve(base, name), { minAgeMs: 10 * 60_000 });
  }
  const dataDir = resolve(base, `test-pg-${runId}`);
  const handle = await startEmbeddedPostgres({ dataDir, database: "postgres" });
  serverUrl = handle.url;
  stopEmbedded = async () => {
    await handle.stop();
    await removeAbandoned(dataDir);
  };
}
const server = await ownerClient(serverUrl);
const version = (await server.query("SHOW server_version")).rows[0].server_version as string;
await server.end();
const templates = await prepareTemplates(serverUrl, runId);
console.log(
  `PostgreSQL ${version} (${stopEmbedded ? "embedded" : "TEST_DATABASE_URL"}); templates ready in ${Date.now() - started} ms`,
);

// Every test file is a process of its own that loads the app's TypeScript again, and many start
// more (the CLI, servers, workers): Node's compile cache keeps the stripped JavaScript and V8's
// code for each module (keyed by its content, so an edited file is compiled afresh), shared by
// all of them. Measured on the import of the web test harness: 2.9 s of CPU without, 1.9 s with.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const compileCache = process.env.NODE_COMPILE_CACHE ?? resolve(root, ".airlock", "compile-cache");
const concurrency = process.env.TEST_CONCURRENCY ?? "4";
// With no files named, the chaos tests (test/reliability/: processes killed, PostgreSQL restarted,
// recovery timed) run after the rest, two files at a time: beside a full parallel suite on two
// cores, servers took half a minute to start and their recovery figures measured the machine.
// Among themselves they mostly wait (for a kill, a restart, a tick), and each has its own
// PostgreSQL or database and its own ports, so two at once fit; one at a time they took 161 s
// of a CI pass.
const reliabilityConcurrency = process.env.TEST_RELIABILITY_CONCURRENCY ?? "2";
const phases: { files: string[]; concurrency: string }[] =
  files.length > 0
    ? [{ files, concurrency }]
    : [
        { files: testFiles("test").filter((f) => !f.startsWith("test/reliability/")), concurrency },
        { files: testFiles("test/reliability"), concurrency: reliabilityConcurrency },
      ];
let code = 0;
for (const phase of phases) {
  code = await runTests(phase.files, phase.concurrency);
  if (code !== 0) break;
}

async function runTests(testFilesOfPhase: string[], phaseConcurrency: string): Promise<number> {
  // Without flags, the longest files start first (test/support/ordered-run.ts; their times are
  // recorded for the next run); with flags (--test-name-pattern, a reporter, …) `node --test` as is.
  const measured = resolve(root, ".airlock", `test-durations-${runId}.json`);
  mkdirSync(dirname(measured), { recursive: true });
  const testArgs =
    flags.length === 0
      ? [
          resolve(root, "test/support/ordered-run.ts"),
          phaseConcurrency,
          "180000",
          measured,
          ...longestFirst(testFilesOfPhase),
        ]
      : [
          "--test",
          `--test-concurrency=${phaseConcurrency}`,
          "--test-timeout=180000",
          "--test-reporter=spec",
          ...flags,
          ...testFilesOfPhase,
        ];
  const child = spawn(process.execPath, testArgs, {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      AIRLOCK_TEST_SERVER_URL: serverUrl,
      AIRLOCK_TEST_TEMPLATES: JSON.stringify(templates),
      AIRLOCK_TEST_RUN: runId,
      AIRLOCK_TEST_EMBEDDED: stopEmbedded ? "1" : "0",
      NODE_COMPILE_CACHE: compileCache,
    },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const exit: number = await new Promise((r) => child.on("exit", (c, s) => r(c ?? (s ? 1 : 0))));
  process.off("SIGINT", forward);
  process.off("SIGTERM", forward);
  if (existsSync(measured)) {
    recordDurations(JSON.parse(readFileSync(measured, "utf8")) as Record<string, number>);
    rmSync(measured, { force: true });
  }
  return exit;
}

function readDurations(path: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}

function longestFirst(list: string[]): string[] {
  const known = {
    ...readDurations(resolve(root, "test/support/file-durations.json")),
    ...readDurations(RECORDED),
  };
  const guess = 5_000;
  const time = (file: string) => known[file] ?? guess;
  return [...list].sort((a, b) => time(b) - time(a) || a.localeCompare(b));
}

function recordDurations(measured: Record<string, number>) {
  writeFileSync(RECORDED, `${JSON.stringify({ ...readDurations(RECORDED), ...measured }, null, 2)}\n`);
}

const keep =
  process.env.TEST_KEEP_DATABASES === "1" || (code !== 0 && process.env.TEST_KEEP_DATABASES !== "0");
if (keep && !stopEmbedded) {
  console.log(
    `Test databases kept for inspection: names start with t_${runId}_ on TEST_DATABASE_URL's server.`,
  );
} else {
  if (!stopEmbedded) await dropTestDatabases(serverUrl, runId, templates);
  await stopEmbedded?.();
}
console.log(
  `npm test: ${code === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(code);

/** Every `*.test.ts` under a folder of the repository, as paths relative to its root, sorted. */
function testFiles(dir: string): string[] {
  return readdirSync(resolve(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => `${dir}/${name}`)
    .sort();
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
