// A test Airlock serving the demo workspace (examples/demo/workspace.ts) on a seeded demo
// database, with the demo's people, for the risk, privacy and account-administration actions'
// tests (customer-actions-*.test.ts, through support/customer-actions.ts). Seeded once per file.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { seedDemo } from "../../examples/demo/seed.ts";
import demoWorkspace from "../../examples/demo/workspace.ts";
import { defineWorkspace, type Workspace } from "../../src/sdk/index.ts";
import { AIRLOCK_MIGRATIONS, migrate } from "../../src/store/migrate.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { createUser, type TestUser } from "../support/users.ts";
import { asOwner, DEMO_MIGRATIONS } from "./demo-database.ts";

export interface CustomerCast {
  /** support */
  sam: TestUser;
  /** support-managers */
  maya: TestUser;
  /** risk */
  rita: TestUser;
  raj: TestUser;
  /** ops */
  omar: TestUser;
  /** compliance */
  cora: TestUser;
  colin: TestUser;
  /** admins */
  ada: TestUser;
}

export interface CustomerDemo {
  t: TestAirlock;
  cast: CustomerCast;
  /** Owner connection to the demo database, for reading effects and checking what was written. */
  owner: pg.Pool;
  close(): Promise<void>;
}

/**
 * The demo workspace, minus grants on tags that no action carries yet: the demo's money actions
 * (tags payments, treasury) are written separately, and a grant on a tag without actions fails
 * the workspace's start. Once they land this is the demo workspace unchanged.
 */
export function demoWorkspaceWithExistingTags(workspace: Workspace = demoWorkspace): Workspace {
  const tags = new Set(workspace.actions.flatMap((a) => a.tags ?? []));
  const grants = (workspace.grants ?? []).filter(
    (g) => g.on === "*" || !("tag" in g.on) || tags.has(g.on.tag),
  );
  return defineWorkspace({ ...workspace, grants });
}

export async function startCustomerDemo(): Promise<CustomerDemo> {
  const t = await startTestAirlock({
    workspace: demoWorkspaceWithExistingTags(),
    database: await createTestDatabase({ template: "demo", label: "demo_customers" }),
    async prepare(url) {
      await migrate(url, [AIRLOCK_MIGRATIONS, DEMO_MIGRATIONS]);
      await asOwner(url, (client) => seedDemo(client));
    },
  });
  const pool = t.airlock.database.pool;
  const user = (email: string, name: string, group: string) =>
    createUser(pool, { email, name, groups: [group] });
  const cast: CustomerCast = {
    sam: await user("sam.support@airlock.demo", "Sam Support", "support"),
    maya: await user("maya.manager@airlock.demo", "Maya Manager", "support-managers"),
    rita: await user("rita.risk@airlock.demo", "Rita Risk", "risk"),
    raj: await user("raj.risk@airlock.demo", "Raj Risk", "risk"),
    omar: await user("omar.ops@airlock.demo", "Omar Ops", "ops"),
    cora: await user("cora.compliance@airlock.demo", "Cora Compliance", "compliance"),
    colin: await user("colin.compliance@airlock.demo", "Colin Compliance", "compliance"),
    ada: await user("ada.admin@airlock.demo", "Ada Admin", "admins"),
  };
  const owner = new pg.Pool({ connectionString: t.database.url, max: 2 });
  owner.on("error", () => {});
  return {
    t,
    cast,
    owner,
    async close() {
      await owner.end();
      await t.close();
      await t.database.drop();
    },
  };
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected freely in tests.
  body: any;
  headers: Headers;
  text: string;
}

async function answer(res: Response): Promise<ApiAnswer> {
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers, text };
}

/** POST /api/v1/actions/:name/runs with the user's token and an Idempotency-Key. */
export async function runAction(
  t: TestAirlock,
  user: TestUser,
  action: string,
  params: Record<string, unknown>,
  options: { reason?: string; key?: string } = {},
): Promise<ApiAnswer> {
  const body: Record<string, unknown> = { params };
  if (options.reason !== undefined) body.reason = options.reason;
  return answer(
    await t.post(`/api/v1/actions/${action}/runs`, body, {
      ...user.headers,
      "idempotency-key": options.key ?? `test-${randomUUID()}`,
    }),
  );
}

export async function getAs(t: TestAirlock, user: TestUser, path: string): Promise<ApiAnswer> {
  return answer(await t.request(path, { headers: user.headers }));
}

export async function postAs(
  t: TestAirlock,
  user: TestUser,
  path: string,
  body: unknown,
): Promise<ApiAnswer> {
  return answer(await t.post(path, body, user.headers));
}

/** Asserts the run was refused by the handler with `domain.<code>` (422) and returns the answer. */
export function assertRefused(res: ApiAnswer, code: string): ApiAnswer {
  assert.equal(res.status, 422, res.text);
  assert.equal(res.body.error.code, `domain.${code}`, res.text);
  return res;
}

/** Submits a run an enforced policy holds; returns its run id and approval request id. */
export async function requestApproval(
  t: TestAirlock,
  user: TestUser,
  action: string,
  params: Record<string, unknown>,
  reason?: string,
): Promise<{ runId: string; approvalId: string }> {
  const res = await runAction(t, user, action, params, reason === undefined ? {} : { reason });
  assert.equal(res.status, 202, res.text);
  assert.equal(res.body.status, "pending_approval");
  return { runId: res.body.id, approvalId: res.body.approvalRequestId };
}

export async function decide(
  t: TestAirlock,
  user: TestUser,
  approvalId: string,
  verb: "approve" | "reject",
  reason = "checked the request",
): Promise<ApiAnswer> {
  return postAs(t, user, `/api/v1/approvals/${approvalId}/${verb}`, { reason });
}

export async function waitForRun(t: TestAirlock, runId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await t.airlock.database.pool.query("SELECT * FROM airlock.runs WHERE id = $1", [runId]))
      .rows[0];
    if (run && ["succeeded", "failed", "rejected", "expired", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) assert.fail(`run ${runId} is ${run?.status}, not finished`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The run's audit events, oldest first. */
export async function auditOf(t: TestAirlock, runId: string) {
  const result = await t.airlock.database.pool.query(
    "SELECT type, actor_id, data FROM airlock.audit_events WHERE run_id = $1 ORDER BY id",
    [runId],
  );
  return result.rows as { type: string; actor_id: string; data: Record<string, unknown> }[];
}
