// An Airlock instance for one test file: its own database, the real app, in process. Requests go
// through `app.request()` (no socket), as Hono's own tests do.
import { Writable } from "node:stream";
import { type Config, loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observe/logger.ts";
import type { SecretReader } from "../../src/resources/resources.ts";
import { type Airlock, createAirlock } from "../../src/runtime/airlock.ts";
import type { DemoServices, Workspace } from "../../src/sdk/define-workspace.ts";
import { defineWorkspace } from "../../src/sdk/define-workspace.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

/**
 * The master key of test instances (secrets, PII at rest). Fixed, so that two instances on one
 * database read each other's records; a test that needs none passes `AIRLOCK_MASTER_KEY: ""`.
 */
export const TEST_MASTER_KEY = Buffer.alloc(32, 0x5a).toString("base64");

export interface TestAirlock {
  airlock: Airlock;
  database: TestDatabase;
  /** The workspace's demo stand-ins (started as `npm start` does when it has them), or null. */
  services: DemoServices | null;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** Raw log text (for leak scans). */
  logText(): string;
  request(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Stops the instance, and drops its database if it created it. */
  close(): Promise<void>;
}

export async function startTestAirlock(
  options: {
    workspace?: Workspace;
    env?: Record<string, string>;
    database?: TestDatabase;
    racePoint?: (name: string) => Promise<void>;
    /** Run before the instance starts (e.g. create fixture tables as the owner). */
    prepare?: (ownerUrl: string) => Promise<void>;
    /** Where resources read secrets; without it, a workspace with demo services starts them. */
    secrets?: SecretReader;
    internalResources?: string[];
    resolve?: (hostname: string) => Promise<string[]>;
  } = {},
): Promise<TestAirlock> {
  const database = options.database ?? (await createTestDatabase());
  // A database given is shared with whoever gave it (often other instances still running): its
  // owner drops it, not the first instance to close.
  const ownsDatabase = !options.database;
  await options.prepare?.(database.url);
  const config: Config = loadConfig({
    AIRLOCK_LOG_LEVEL: "debug",
    AIRLOCK_DEMO: "0",
    AIRLOCK_RUN_WAIT_MS: "5000",
    AIRLOCK_MASTER_KEY: TEST_MASTER_KEY,
    ...options.env,
  });
  const workspace = compileWorkspace(options.workspace ?? defineWorkspace({ name: "test", actions: [] }));
  // A workspace whose resources have demo stand-ins (the demo's ledger and payments provider) gets
  // them, as `npm start` does.
  const services =
    !options.secrets && workspace.demo?.services
      ? await workspace.demo.services({ databaseUrl: database.url, log: () => {} })
      : null;
  const secrets: SecretReader | undefined =
    options.secrets ??
    (services
      ? { read: async (name) => (Object.hasOwn(services.secrets, name) ? services.secrets[name]! : null) }
      : undefined);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  const log = createLogger({ level: "debug", destination });
  const airlock = await createAirlock({
    config,
    workspace,
    databaseUrl: database.url,
    log,
    // Every answer of every test is checked against its declared response schema (src/api/).
    checkResponses: true,
    ...(options.racePoint ? { racePoint: options.racePoint } : {}),
    ...(secrets ? { secrets } : {}),
    internalResources: [...(options.internalResources ?? []), ...(services?.internalResources ?? [])],
    ...(options.resolve ? { resolve: options.resolve } : {}),
    demoSwitches: services?.switches ?? [],
  });
  return {
    airlock,
    database,
    services,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join("\n"),
    request: (path, init) => Promise.resolve(airlock.app.request(path, init)),
    post: (path, body, headers) =>
      Promise.resolve(
        airlock.app.request(path, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        }),
      ),
    async close() {
      await airlock.close();
      await services?.stop();
      if (ownsDatabase) await database.drop();
    },
  };
}
