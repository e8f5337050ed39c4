// `airlock/testing`: run a workspace's actions in a test through the real control layer (the
// same pipeline, permissions, validation, policies, idempotency and audit as production) against
// a real PostgreSQL database of the test file's own.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { loadConfig } from "../config/config.ts";
import { generateMasterKeyText } from "../crypto/master-key.ts";
import type { Principal } from "../identity/principal.ts";
import { createLogger } from "../observe/logger.ts";
import { newRequestId } from "../observe/request-id.ts";
import { isFinal } from "../runs/run-status.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import { type Airlock, createAirlock, migrationSourcesFor } from "../runtime/airlock.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import type { Workspace } from "../sdk/define-workspace.ts";
import { compileWorkspace } from "../workspace/compile-workspace.ts";
import { freshTestDatabase } from "./test-database-server.ts";
import { createTestPrincipal, type TestPrincipalOptions } from "./test-principal.ts";

export type { TestPrincipalOptions };

/** An audit event of the run, as stored (append-only, sealed later). */
export interface TestAuditEvent {
  type: string;
  outcome: string;
  actorId: string | null;
  action: string | null;
  targetType: string | null;
  targetId: string | null;
  runId: string | null;
  requestId: string | null;
  errorCode: string | null;
  reason: string | null;
  params: unknown;
  data: unknown;
}

/** What a test sees of one run, or of a refusal (no run then). */
export interface TestRunResult {
  /** `succeeded`, `failed`, `pending_approval`, `queued`/`running` (still going), or `refused`. */
  status: string;
  run: {
    id: string;
    status: string;
    result: unknown;
    error: { code: string; message: string | null } | null;
    requestId: string;
    approvalRequestId: string | null;
    target: { type: string; id: string } | null;
    /** The parameters as stored (PII classes masked or encrypted at rest as in production). */
    params: unknown;
  } | null;
  /** Why the control layer refused (`permission.denied`, `validation.failed`, …), or null. */
  refusal: { code: string; message: string; details: Record<string, unknown> | undefined } | null;
  replayed: boolean;
  requestId: string;
  /** The audit events with this run's request ID, oldest first. */
  audit: TestAuditEvent[];
  /** What the handler recorded with `ctx.snapshot.before/after`. */
  snapshots: { before: unknown; after: unknown };
}

export interface TestActionOptions {
  /** Who runs it: a principal from `principal()`, or the groups of a new user made for this run. */
  as: Principal | TestPrincipalOptions;
  reason?: string;
  idempotencyKey?: string;
}

export interface TestApproveOptions {
  /** Who approves: a principal from `principal()`, or the groups of a new user made for this. */
  as: Principal | TestPrincipalOptions;
  reason?: string;
}

export interface TestWorkspace {
  /** The Airlock instance (HTTP app: `airlock.app.request(...)`), for what the helpers do not cover. */
  airlock: Airlock;
  /** Owner URL of this test file's database (to seed or inspect your own tables). */
  databaseUrl: string;
  /** A user with these groups, to run several actions as one person. */
  principal(options: TestPrincipalOptions): Promise<Principal>;
  /** Runs an action through the control layer and waits (up to 30 s) for a queued run to end. */
  testAction(action: string, params: unknown, options: TestActionOptions): Promise<TestRunResult>;
  /**
   * A reviewer approves a run waiting for approval (the result of `testAction`, or its approval
   * request's ID), through the same checks as the API: no self-approval, the reviewer must hold
   * `approve` and be among the request's reviewers. When that completes the quorum, waits (up to
   * 30 s) for the run to end and returns it; a refused decision comes back as `refused`.
   */
  approve(run: TestRunResult | string, options: TestApproveOptions): Promise<TestRunResult>;
  /** Every log line Airlock wrote (JSON objects), handler lines included. */
  logs(): Record<string, unknown>[];
  /** Stops the instance and drops the database (and the embedded server, if one was started). */
  close(): Promise<void>;
}

/**
 * Starts Airlock for one test file: a fresh database (on AIRLOCK_TEST_DATABASE_URL's server, or an
 * embedded PostgreSQL), the workspace's migrations, workers for queued runs.
 *
 * @example
 * import workspace from "../airlock.config.ts";
 * import { startTestWorkspace } from "airlock/testing";
 * const airlock = await startTestWorkspace(workspace);
 * after(() => airlock.close());
 * test("a small refund runs at once", async () => {
 *   const { status, run } = await airlock.testAction("issue_refund", { ... }, { as: { groups: ["support"] } });
 *   assert.equal(status, "succeeded");
 * });
 */
export async function startTestWorkspace(
  workspace: Workspace,
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<TestWorkspace> {
  const env = options.env ?? process.env;
  const compiled = compileWorkspace(workspace);
  const database = await freshTestDatabase(env, options.cwd ?? process.cwd());
  const lines: string[] = [];
  let airlock: Airlock;
  try {
    await prepareDatabase(database.url, migrationSourcesFor(compiled));
    const config = loadConfig({
      AIRLOCK_DEMO: "0",
      AIRLOCK_LOG_LEVEL: "debug",
      AIRLOCK_RUN_WAIT_MS: "30000",
      AIRLOCK_WORKER_CONCURRENCY: "2",
      AIRLOCK_DB_POOL_SIZE: "5",
      // A key of this test's own, so actions that keep classified values (queued, approval) work.
      AIRLOCK_MASTER_KEY: generateMasterKeyText(),
    });
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        callback();
      },
    });
    airlock = await createAirlock({
      config,
      workspace: compiled,
      databaseUrl: database.url,
      log: createLogger({ level: "debug", destination }),
      checkResponses: true,
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const pool = airlock.database.pool;

  return {
    airlock,
    databaseUrl: database.url,
    principal: (principal) => createTestPrincipal(pool, principal),
    async testAction(action, params, runOptions) {
      const principal =
        "via" in runOptions.as ? runOptions.as : await createTestPrincipal(pool, runOptions.as);
      const outcome = await airlock.control.submit(
        {
          channel: "api",
          principal,
          actionName: action,
          params,
          idempotencyKey: runOptions.idempotencyKey ?? randomUUID(),
          reason: runOptions.reason ?? null,
          trace: null,
          client: { clientIp: null, userAgent: "airlock/testing" },
        },
        { waitMs: 30_000 },
      );
      const audit = await auditOf(pool, outcome.requestId);
      if (outcome.kind === "refused") {
        return {
          status: "refused",
          run: null,
          refusal: {
            code: outcome.error.code,
            message: outcome.error.message,
            details: outcome.error.details,
          },
          replayed: false,
          requestId: outcome.requestId,
          audit,
          snapshots: { before: null, after: null },
        };
      }
      return await runResult(pool, outcome.run, outcome.requestId, outcome.replayed);
    },
    async approve(run, approveOptions) {
      const approvalRequestId = typeof run === "string" ? run : run.run?.approvalRequestId;
      if (!approvalRequestId) throw new Error("approve(): this run is not waiting for an approval");
      const principal =
        "via" in approveOptions.as ? approveOptions.as : await createTestPrincipal(pool, approveOptions.as);
      const requestId = newRequestId();
      const decided = await airlock.approvals.approve({
        approvalRequestId,
        principal,
        channel: "api",
        requestId,
        client: { clientIp: null, userAgent: "airlock/testing" },
        reason: approveOptions.reason ?? null,
      });
      if (!decided.ok) {
        const { code, message, details } = decided.error;
        return {
          status: "refused",
          run: null,
          refusal: { code, message, details },
          replayed: false,
          requestId,
          audit: await auditOf(pool, requestId),
          snapshots: { before: null, after: null },
        };
      }
      let row = decided.run;
      const deadline = Date.now() + 30_000;
      while (decided.queued && !isFinal(row.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        row = (await getRun(pool, row.id)) ?? row;
      }
      return await runResult(pool, row, row.request_id, false);
    },
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await airlock.close();
      await database.drop();
    },
  };
}

async function runResult(
  pool: Airlock["database"]["pool"],
  row: RunRow,
  requestId: string,
  replayed: boolean,
): Promise<TestRunResult> {
  return {
    status: row.status,
    run: {
      id: row.id,
      status: row.status,
      result: row.result,
      error: row.error_code ? { code: row.error_code, message: row.error_message } : null,
      requestId: row.request_id,
      approvalRequestId: row.approval_request_id,
      target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
      params: row.params,
    },
    refusal: null,
    replayed,
    requestId,
    // A queued run executes under its own request ID: both belong to the run.
    audit: await auditOfRun(pool, row.id, requestId),
    snapshots: { before: row.snapshot_before ?? null, after: row.snapshot_after ?? null },
  };
}

const AUDIT_COLUMNS = `type, outcome, actor_id AS "actorId", action, target_type AS "targetType",
  target_id AS "targetId", run_id AS "runId", request_id AS "requestId", error_code AS "errorCode",
  reason, params, data`;

async function auditOf(pool: Airlock["database"]["pool"], requestId: string): Promise<TestAuditEvent[]> {
  const result = await pool.query<TestAuditEvent>(
    `SELECT ${AUDIT_COLUMNS} FROM airlock.audit_events WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  return result.rows;
}

async function auditOfRun(
  pool: Airlock["database"]["pool"],
  runId: string,
  requestId: string,
): Promise<TestAuditEvent[]> {
  const result = await pool.query<TestAuditEvent>(
    `SELECT ${AUDIT_COLUMNS} FROM airlock.audit_events WHERE run_id = $1 OR request_id = $2 ORDER BY id`,
    [runId, requestId],
  );
  return result.rows;
}
