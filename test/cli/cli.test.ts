import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { createTestDatabase } from "../support/test-database.ts";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "airlock.js");

function airlock(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

test("--version and --help", () => {
  const version = airlock(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.out.trim(), /^\d+\.\d+\.\d+$/);
  const help = airlock(["--help"]);
  assert.equal(help.code, 0);
  for (const command of ["start", "serve", "migrate"])
    assert.match(help.out, new RegExp(`\\n  ${command}\\s`));
  const commandHelp = airlock(["migrate", "--help"]);
  assert.equal(commandHelp.code, 0);
  assert.match(commandHelp.out, /Usage: airlock migrate/);
});

test("usage mistakes exit 2 with one line", () => {
  const unknown = airlock(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err.trim(), 'airlock: unknown command "frobnicate". Run airlock --help for the list.');
  const badFlag = airlock(["migrate", "--nope"]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.err, /^airlock migrate: Unknown option '--nope'/);
});

test("a wrong DATABASE_URL is one clear line and exit 1, and never starts the embedded server", async () => {
  const port = await closedPort();
  const result = airlock(["migrate"], {
    DATABASE_URL: `postgres://nobody:x@127.0.0.1:${port}/airlock`,
    AIRLOCK_DATA_DIR: "/nonexistent/should-not-be-created",
  });
  assert.equal(result.code, 1);
  assert.equal(result.err.trim().split("\n").length, 1, result.err);
  assert.match(
    result.err,
    new RegExp(`Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/airlock: connection refused`),
  );
});

test("a malformed setting names the variable", () => {
  const result = airlock(["migrate"], { DATABASE_URL: "mysql://x", PORT: "http" });
  assert.equal(result.code, 1);
  assert.match(result.err, /DATABASE_URL: must start with postgres:\/\//);
  assert.match(result.err, /PORT: /);
});

test("a port in use is named", async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const port = (blocker.address() as { port: number }).port;
  const db = await createTestDatabase();
  try {
    const result = airlock(["serve"], {
      DATABASE_URL: db.url,
      // A workspace with no resources: the demo's need their secrets before the port is tried.
      AIRLOCK_CONFIG: "test/support/worker-fixture.config.ts",
      PORT: String(port),
      AIRLOCK_WORKER_CONCURRENCY: "0",
      AIRLOCK_LOG_LEVEL: "silent",
    });
    assert.equal(result.code, 1);
    assert.match(result.err, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    blocker.close();
    await db.drop();
  }
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}
