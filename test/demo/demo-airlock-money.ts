// An Airlock serving the demo workspace (examples/demo/workspace.ts) for one test file: a fresh
// database with Airlock's and the demo's migrations, seeded once (seedDemo, as the owner), and
// users in the demo's groups. Generic: any demo test can use it.
import assert from "node:assert/strict";
import type pg from "pg";
import { seedDemo } from "../../examples/demo/seed.ts";
import demoWorkspace from "../../examples/demo/workspace.ts";
import { defineWorkspace, type Workspace } from "../../src/sdk/index.ts";
import { ownerClient } from "../../src/store/database.ts";
import { AIRLOCK_MIGRATIONS, migrate } from "../../src/store/migrate.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { DEMO_MIGRATIONS } from "./demo-database.ts";

/**
 * The demo workspace as Airlock would start it. Starting refuses a grant on a tag no action
 * carries; while only some of the demo's actions exist (they land in separate changes), the
 * grants on the missing tags are left out. Once every tag has its actions this is the workspace
 * itself.
 */
export function startableDemoWorkspace(workspace: Workspace = demoWorkspace): Workspace {
  const tags = new Set(workspace.actions.flatMap((action) => action.tags ?? []));
  const grants = (workspace.grants ?? []).filter(
    (grant) => typeof grant.on !== "object" || !("tag" in grant.on) || tags.has(grant.on.tag),
  );
  if (grants.length === (workspace.grants ?? []).length) return workspace;
  return defineWorkspace({ ...workspace, grants });
}

export interface DemoAirlock {
  t: TestAirlock;
  /** Users by name, each in the groups asked for. */
  users: Record<string, TestUser>;
  /** A query as the database owner (reads the domain without airlock_app's limits). */
  owner(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  close(): Promise<void>;
}

/**
 * Starts the demo Airlock. `users` maps a name to the demo groups the user is in, e.g.
 * `{ agent: ["support"], manager: ["support-managers"] }`.
 */
export async function startDemoAirlock(
  options: { users?: Record<string, string[]>; workspace?: Workspace; env?: Record<string, string> } = {},
): Promise<DemoAirlock> {
  const database = await createTestDatabase({ template: "demo", label: "demo_airlock" });
  await migrate(database.url, [AIRLOCK_MIGRATIONS, DEMO_MIGRATIONS]);
  const seeder = await ownerClient(database.url);
  try {
    await seedDemo(seeder);
  } finally {
    await seeder.end();
  }
  const t = await startTestAirlock({
    workspace: startableDemoWorkspace(options.workspace),
    database,
    ...(options.env ? { env: options.env } : {}),
  });
  const users: Record<string, TestUser> = {};
  for (const [name, groups] of Object.entries(options.users ?? {})) {
    users[name] = await createUser(t.airlock.database.pool, {
      groups,
      name,
      email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}@airlock.test`,
    });
  }
  const ownerConnection = await ownerClient(database.url);
  return {
    t,
    users,
    owner: (sql, values = []) => ownerConnection.query(sql, values),
    async close() {
      await ownerConnection.end();
      await t.close();
      await t.database.drop();
    },
  };
}

export interface RunResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body, read field by field in assertions
  body: any;
  headers: Headers;
}

/** POST /api/v1/actions/:name/runs as `user`, with an Idempotency-Key unless `key` is null. */
export async function runAction(
  t: TestAirlock,
  user: TestUser,
  action: string,
  params: Record<string, unknown>,
  options: { key?: string | null; reason?: string; headers?: Record<string, string> } = {},
): Promise<RunResponse> {
  const key = options.key === undefined ? `test-${action}-${crypto.randomUUID()}` : options.key;
  const res = await t.post(
    `/api/v1/actions/${action}/runs`,
    { params, ...(options.reason !== undefined ? { reason: options.reason } : {}) },
    { ...user.headers, ...(key !== null ? { "idempotency-key": key } : {}), ...options.headers },
  );
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function getJson(t: TestAirlock, user: TestUser, path: string): Promise<RunResponse> {
  const res = await t.request(path, { headers: user.headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function postJson(
  t: TestAirlock,
  user: TestUser,
  path: string,
  body: unknown,
): Promise<RunResponse> {
  const res = await t.post(path, body, user.headers);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Waits until the run reaches one of `statuses` (approved runs execute on a worker). */
export async function waitForRun(t: TestAirlock, runId: string, statuses: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await t.airlock.database.pool.query("SELECT * FROM airlock.runs WHERE id = $1", [runId]))
      .rows[0];
    if (run && statuses.includes(run.status)) return run;
    if (Date.now() > deadline) assert.fail(`run ${runId} is ${run?.status}, expected ${statuses.join("|")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
