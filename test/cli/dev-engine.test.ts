// `airlock dev`'s job engine started ahead (src/cli/dev-reload.ts): reloads leak no connections
// (each retired instance closes its pools and its engine; one engine waits ahead), and the engine
// started ahead is stopped once it has waited unused for `spareIdleMs`, after which a reload still
// works. Counted on PostgreSQL's side: each live job engine holds the same number of LISTEN
// connections.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import pg from "pg";
import { type DevReloader, startDevReload } from "../../src/cli/dev-reload.ts";
import { loadConfig } from "../../src/config/config.ts";
import { startEngine } from "../../src/engine/engine.ts";
import { createLogger } from "../../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../../src/runtime/airlock.ts";
import { ENGINE_QUEUES } from "../../src/runtime/queues.ts";
import { migrate } from "../../src/store/migrate.ts";
import { TEST_MASTER_KEY } from "../support/test-airlock.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const SDK = new URL("../../src/sdk/index.ts", import.meta.url).href;
const IDLE_MS = 2_000;
let dir: string;
let database: TestDatabase;
let reloader: DevReloader;
let observer: pg.Client;
const config = loadConfig({
  AIRLOCK_LOG_LEVEL: "warn",
  AIRLOCK_DEMO: "0",
  AIRLOCK_MASTER_KEY: TEST_MASTER_KEY,
});
const log = createLogger({ level: "warn", destination: new Writable({ write: (_c, _e, done) => done() }) });

function workspaceFile(answer: string): string {
  return [
    `import { defineAction, defineWorkspace, z } from "${SDK}";`,
    "export default defineWorkspace({",
    '  name: "engine-ahead",',
    "  actions: [defineAction({",
    '    name: "answer", title: "Answer", execution: "inline", params: z.object({}),',
    `    handler: () => ({ answer: ${JSON.stringify(answer)} }),`,
    "  })],",
    "});",
    "",
  ].join("\n");
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "airlock-dev-engine-"));
  writeFileSync(join(dir, "airlock.config.ts"), workspaceFile("0"));
  database = await createTestDatabase({ label: "dev_engine" });
  observer = new pg.Client({ connectionString: database.url, application_name: "dev-engine-test" });
  observer.on("error", () => {});
  await observer.connect();
  // How many listeners one engine holds (measured rather than assumed).
  const alone = await startEngine({ url: database.url, log, queues: ENGINE_QUEUES });
  await until("one engine's listeners", async () => (await listeners()) > 0);
  await new Promise((r) => setTimeout(r, 500));
  perEngine = await listeners();
  await alone.stop();
  await until("that engine's listeners to close", async () => (await listeners()) === 0);
  reloader = await startDevReload({
    workspacePath: join(dir, "airlock.config.ts"),
    async create(workspace, engine, heldVersion) {
      try {
        await migrate(database.url, migrationSourcesFor(workspace));
      } catch (error) {
        await engine?.stop();
        throw error;
      }
      return await createAirlock({
        config,
        workspace,
        databaseUrl: database.url,
        log,
        heldVersion,
        ...(engine ? { engine } : {}),
      });
    },
    startEngine: () => startEngine({ url: database.url, log, queues: ENGINE_QUEUES }),
    log,
    out: () => {},
    err: () => {},
    watch: false,
    spareIdleMs: IDLE_MS,
  });
});

after(async () => {
  await reloader?.close();
  await observer?.end();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The engines' LISTEN connections. A listener's last statement is its LISTEN, or, from 10 s on,
 * pg-boss's heartbeat on that connection (a read of pg_listening_channels()): either names it.
 */
async function listeners(): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'airlock-engine'
        AND (query ILIKE 'LISTEN%' OR query ILIKE '%pg_listening_channels()%')`,
  );
  return rows[0]!.n;
}

/** Live job engines: each holds `perEngine` listeners (measured on one engine alone, in `before`). */
let perEngine = 0;
async function engines(): Promise<number> {
  return (await listeners()) / perEngine;
}

async function connections(): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
  );
  return rows[0]!.n;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("reloads leak no job engine or connection; the engine started ahead stops when unused, and the next reload still serves", async () => {
  assert.equal(reloader.status().version, 1);
  await until("the serving engine and the one started ahead", async () => (await engines()) === 2);
  await until("the unused engine stops", async () => (await engines()) === 1, IDLE_MS + 30_000);
  const settled = await connections();

  for (let i = 1; i <= 4; i++) {
    writeFileSync(join(dir, "airlock.config.ts"), workspaceFile(String(i)));
    const status = await reloader.reload();
    assert.equal(status.error, null, JSON.stringify(status.error));
  }
  assert.equal(reloader.status().version, 5);
  const answered = await reloader.fetch(new Request("http://dev.test/healthz"));
  assert.equal(answered.status, 200);
  // The retired instances close; the last reload's engine waits ahead, then stops unused.
  await until("one engine ahead after the reloads", async () => (await engines()) === 2);
  await until("the unused engine stops again", async () => (await engines()) === 1, IDLE_MS + 30_000);
  // Retired instances close in the background (their engines stop gracefully first): counted
  // until that is done. A retired instance left open would keep its pools' connections for good.
  let afterReloads = await connections();
  const deadline = Date.now() + 30_000;
  while (afterReloads > settled + 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    afterReloads = await connections();
  }
  console.log(
    `connections to the database: ${settled} after the first load, ${afterReloads} after 4 more reloads (engine ahead stopped)`,
  );
  assert.ok(afterReloads <= settled + 2, `${afterReloads} connections, against ${settled} before`);
  assert.equal(reloader.current()?.workspace.actions.get("answer")?.title, "Answer");
});
