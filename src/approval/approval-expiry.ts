// Expiry: a pending request past its `expires_at` becomes `expired`, and so does its run; neither
// can ever run afterwards (the run's status is final). Two paths expire requests, both inside a
// transaction that holds the request's row lock: a decision that finds the request expired, and
// the sweeper below, a maintenance task on the engine's cron (one tick across processes, see
// runtime/maintenance.ts). It also takes a transaction-level advisory lock, so a manual sweep
// never overlaps a scheduled one; and both paths are compare-and-set, so nothing expires twice.
import type pg from "pg";
import type { AuditEventInput } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Log } from "../observe/logger.ts";
import { getRun, type RunRow, transitionRun } from "../runs/run-store.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { approvalEvent } from "./approval-audit.ts";
import { type ApprovalRequestRow, moveApproval } from "./approval-store.ts";

// Any constant works as long as every Airlock process uses the same one.
const SWEEP_LOCK = 7_240_911_006;
const BATCH = 200;
/** How long outbox events are kept: delivered ones for inspection, undelivered ones for a late subscriber. */
const OUTBOX_KEEP_DAYS = 7;

/**
 * Expire one locked, pending request and its run. Returns the audit events for the caller to
 * append in its transaction; none if another transaction got there first.
 */
export async function expireRequest(
  tx: pg.PoolClient,
  request: ApprovalRequestRow,
  run: RunRow,
  action: CompiledAction | null,
): Promise<AuditEventInput[]> {
  if (!(await moveApproval(tx, request.id, "pending", "expired"))) return [];
  await transitionRun(tx, run.id, "pending_approval", "expired", {
    errorCode: "approval.expired",
    errorMessage: "The approval request expired before it was decided.",
  });
  const ctx = { action, request, run, actor: null, requestId: null };
  const data = { expiresAt: request.expires_at };
  return [
    approvalEvent("approval.expired", "failure", ctx, { errorCode: "approval.expired", data }),
    approvalEvent("run.expired", "failure", ctx, { errorCode: "approval.expired", data }),
  ];
}

export interface ExpirySweeper {
  /** One pass: expire what is due. Returns how many requests it expired. */
  sweep(): Promise<number>;
  /** Wait for a pass in flight. */
  stop(): Promise<void>;
}

export function createExpirySweeper(options: {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  log: Log;
}): ExpirySweeper {
  const { pool, workspace, log } = options;

  async function sweepOnce(): Promise<number> {
    const client = await pool.connect();
    let broken = false;
    let expired = 0;
    try {
      await client.query("BEGIN");
      const lock = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [
        SWEEP_LOCK,
      ]);
      if (!lock.rows[0]!.ok) {
        await client.query("ROLLBACK");
        return 0;
      }
      // Uses approval_requests_pending_idx (expires_at WHERE status = 'pending'). SKIP LOCKED: a
      // request being decided right now is left to that decision, which checks expiry itself.
      const due = await client.query<ApprovalRequestRow>(
        `SELECT * FROM airlock.approval_requests WHERE status = 'pending' AND expires_at <= now()
          ORDER BY expires_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      const events: AuditEventInput[] = [];
      for (const request of due.rows) {
        const run = await getRun(client, request.run_id);
        if (!run) continue;
        const found = await expireRequest(
          client,
          request,
          run,
          workspace.actions.get(request.action) ?? null,
        );
        if (found.length > 0) expired++;
        events.push(...found);
      }
      await appendAudit(client, events);
      await client.query(
        `DELETE FROM airlock.event_outbox WHERE created_at < now() - make_interval(days => ${OUTBOX_KEEP_DAYS})`,
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
    if (expired > 0) log.info({ expired }, "expired approval requests");
    return expired;
  }

  // One pass at a time in this process; a caller arriving mid-pass waits for it, then runs its
  // own (so a test's sweep() always sees the clock as of its call).
  let chain: Promise<unknown> = Promise.resolve();
  async function sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await sweepOnce();
      total += expired;
      if (expired < BATCH) return total;
    }
  }

  function sweep(): Promise<number> {
    const next = chain.then(() => sweepAll());
    chain = next.catch(() => {});
    return next;
  }

  return {
    sweep,
    async stop() {
      await chain;
    },
  };
}
