// Shared by the approval tests: a fixture-workspace Airlock with the people an approval needs.
import assert from "node:assert/strict";
import { ownerClient } from "../../src/store/database.ts";
import { createFixtureSchema, fixtureWorkspace } from "../support/fixture-workspace.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";
import { createUser, type TestUser } from "../support/users.ts";

export interface Cast {
  operator: TestUser;
  operator2: TestUser;
  manager: TestUser;
  manager2: TestUser;
  /** In managers and billing-admins: may run, approve and administer billing. */
  admin: TestUser;
  auditor: TestUser;
  outsider: TestUser;
  clerk: TestUser;
  approver1: TestUser;
  approver2: TestUser;
  complianceOfficer: TestUser;
  /** In treasury (holds approve on review-lab) and listed by email in close.compliance. */
  cfo: TestUser;
  /** In treasury: holds approve on review-lab, but no policy lists them. */
  treasurer: TestUser;
}

export async function startApprovalAirlock(
  options: { env?: Record<string, string>; racePoint?: (name: string) => Promise<void> } = {},
): Promise<{ t: TestAirlock; cast: Cast }> {
  const t = await startTestAirlock({
    workspace: fixtureWorkspace,
    prepare: createFixtureSchema,
    ...(options.env ? { env: options.env } : {}),
    ...(options.racePoint ? { racePoint: options.racePoint } : {}),
  });
  const pool = t.airlock.database.pool;
  const user = (groups: string[], name?: string, email?: string) =>
    createUser(pool, { groups, ...(name ? { name } : {}), ...(email ? { email } : {}) });
  const cast: Cast = {
    operator: await user(["operators"], "Olive Operator"),
    operator2: await user(["operators"], "Otto Operator"),
    manager: await user(["managers"], "Mia Manager"),
    manager2: await user(["managers"], "Max Manager"),
    admin: await user(["managers", "billing-admins", "operators"], "Ada Admin"),
    auditor: await user(["auditors"], "Aldo Auditor"),
    outsider: await user([], "Oscar Outsider"),
    clerk: await user(["clerks"], "Cleo Clerk"),
    approver1: await user(["approvers"], "Abe Approver"),
    approver2: await user(["approvers"], "Amy Approver"),
    complianceOfficer: await user(["compliance"], "Cole Compliance"),
    cfo: await user(["treasury"], "Cora CFO", "cfo@fixture.test"),
    treasurer: await user(["treasury"], "Tom Treasurer"),
  };
  return { t, cast };
}

export async function submit(
  t: TestAirlock,
  user: TestUser,
  action: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
  reason = "customer goodwill",
) {
  const res = await t.post(
    `/api/v1/actions/${action}/runs`,
    { params, reason },
    { ...user.headers, ...headers },
  );
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Submit a run that a policy holds for approval; returns the run and its approval request id. */
export async function requestApproval(
  t: TestAirlock,
  user: TestUser,
  action: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const res = await submit(t, user, action, params, headers);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.status, "pending_approval");
  assert.match(res.body.approvalRequestId, /^apr_/);
  return { run: res.body, approvalId: res.body.approvalRequestId as string };
}

export async function decide(
  t: TestAirlock,
  user: TestUser,
  approvalId: string,
  verb: "approve" | "reject" | "cancel",
  body: unknown = {},
  headers: Record<string, string> = {},
) {
  const res = await t.post(`/api/v1/approvals/${approvalId}/${verb}`, body, { ...user.headers, ...headers });
  return { status: res.status, body: await res.json() };
}

export async function getJson(t: TestAirlock, user: TestUser, path: string) {
  const res = await t.request(path, { headers: user.headers });
  return { status: res.status, body: await res.json() };
}

export async function effects(t: TestAirlock, where: { runId?: string; account?: string }) {
  const client = await ownerClient(t.database.url);
  try {
    const result = await client.query(
      "SELECT run_id, account, amount FROM fixture.effects WHERE ($1::text IS NULL OR run_id = $1) AND ($2::text IS NULL OR account = $2) ORDER BY id",
      [where.runId ?? null, where.account ?? null],
    );
    return result.rows as { run_id: string; account: string; amount: number }[];
  } finally {
    await client.end();
  }
}

/** As the database owner (tests tamper with rows the application role may not touch this way). */
export async function asOwner(t: TestAirlock, sql: string, values: unknown[] = []) {
  const client = await ownerClient(t.database.url);
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

export async function runRow(t: TestAirlock, runId: string) {
  return (await t.airlock.database.pool.query("SELECT * FROM airlock.runs WHERE id = $1", [runId])).rows[0];
}

export async function waitForRun(t: TestAirlock, runId: string, statuses: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runRow(t, runId);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline) assert.fail(`run ${runId} is ${run.status}, expected ${statuses.join("|")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function audit(
  t: TestAirlock,
  where: { approvalRequestId?: string; runId?: string; type?: string },
) {
  const result = await t.airlock.database.pool.query(
    `SELECT * FROM airlock.audit_events
      WHERE ($1::text IS NULL OR approval_request_id = $1) AND ($2::text IS NULL OR run_id = $2)
        AND ($3::text IS NULL OR type = $3)
      ORDER BY id`,
    [where.approvalRequestId ?? null, where.runId ?? null, where.type ?? null],
  );
  return result.rows;
}
