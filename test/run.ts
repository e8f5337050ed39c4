// `npm test`: every test runs against a real PostgreSQL.
//
// - With TEST_DATABASE_URL (a superuser URL to any PostgreSQL 15+ server) the tests use that
//   server; otherwise an embedded PostgreSQL is started under .airlock/test-pg.
// - Migrations run once into a template database; each test file then gets its own database with
//   CREATE DATABASE … TEMPLATE (test/support/test-database.ts), so files are independent and run
//   in parallel.
// - Databases of failed files are kept for inspection (TEST_KEEP_DATABASES=1 keeps all).
//
// Arguments are passed to `node --test` (e.g. a file path, or --test-name-pattern).
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { ownerClient } from "../src/store/database.ts";
import { startEmbeddedPostgres } from "../src/store/embedded-postgres.ts";
import { dropTestDatabases, prepareTemplates } from "./support/templates.ts";

const root = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));

const started = Date.now();
let serverUrl = process.env.TEST_DATABASE_URL;
let stopEmbedded: (() => Promise<void>) | null = null;
if (!serverUrl) {
  const handle = await startEmbeddedPostgres({
    dataDir: resolve(root, ".airlock/test-pg"),
    database: "postgres",
  });
  serverUrl = handle.url;
  stopEmbedded = () => handle.stop();
}
const server = await ownerClient(serverUrl);
const version = (await server.query("SHOW server_version")).rows[0].server_version as string;
await server.end();
const templates = await prepareTemplates(serverUrl);
console.log(
  `PostgreSQL ${version} (${stopEmbedded ? "embedded" : "TEST_DATABASE_URL"}); templates ready in ${Date.now() - started} ms`,
);

const concurrency = process.env.TEST_CONCURRENCY ?? "4";
const testArgs = [
  "--test",
  `--test-concurrency=${concurrency}`,
  "--test-timeout=180000",
  "--test-reporter=spec",
  ...flags,
  ...(files.length > 0 ? files : ["test/**/*.test.ts"]),
];
const child = spawn(process.execPath, testArgs, {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    AIRLOCK_TEST_SERVER_URL: serverUrl,
    AIRLOCK_TEST_TEMPLATES: JSON.stringify(templates),
    AIRLOCK_TEST_EMBEDDED: stopEmbedded ? "1" : "0",
  },
});
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
const code: number = await new Promise((r) => child.on("exit", (c, s) => r(c ?? (s ? 1 : 0))));

if (code === 0 || process.env.TEST_KEEP_DATABASES !== "1") {
  await dropTestDatabases(serverUrl, { keepFailed: code !== 0 && process.env.TEST_KEEP_DATABASES !== "0" });
}
await stopEmbedded?.();
console.log(
  `npm test: ${code === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(code);
