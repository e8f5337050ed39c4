// Expiry: a pending request past its `expires_at` becomes `expired`, and so does its subject (a
// run ends `expired` through the run lifecycle); neither
// can ever run afterwards (the run's status is final). Two paths expire requests, both inside a
// transaction that holds the request's row lock: a decision that finds the request expired, and
// the sweeper below, a maintenance task on the engine's cron (one tick across processes, see
// runtime/maintenance.ts). It also takes a transaction-level advisory lock, so a manual sweep
// never overlaps a scheduled one; and both paths are compare-and-set, so nothing expires twice.
import type pg from "pg";
import type { AuditEventInput } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { pruneEvents } from "../events/event-outbox.ts";
import type { Log } from "../observe/logger.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { approvalEvent } from "./approval-audit.ts";
import { type ApprovalRequestRow, moveApproval } from "./approval-store.ts";
import type { ApprovalSubjectKind, Subject, SubjectKinds } from "./approval-subject.ts";

// Any constant works as long as every Airlock process uses the same one.
const SWEEP_LOCK = 7_240_911_006;
const BATCH = 200;
/** How long events are kept: for inspection, and for a consumer that fell behind (events/). */
const OUTBOX_KEEP_DAYS = 7;

/**
 * Expire one locked, pending request and its subject. Its audit events go to `auditInto`, for
 * the caller to append in its transaction; none if another transaction got there first.
 */
export async function expireRequest(
  tx: pg.PoolClient,
  input: {
    request: ApprovalRequestRow;
    kind: ApprovalSubjectKind;
    subject: Subject;
    action: CompiledAction | null;
    auditInto: AuditEventInput[];
  },
): Promise<boolean> {
  const { request, subject, action } = input;
  if (!(await moveApproval(tx, request.id, "pending", "expired"))) return false;
  const ctx = { action, request, run: subject.run, actor: null, requestId: null };
  input.auditInto.push(
    approvalEvent("approval.expired", "failure", ctx, {
      errorCode: "approval.expired",
      data: { expiresAt: request.expires_at },
    }),
  );
  await input.kind.onExpired(tx, {
    request,
    subject,
    action,
    by: { actorId: null, actorKind: null, requestId: null },
    reason: null,
    auditInto: input.auditInto,
  });
  return true;
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
  subjects: SubjectKinds;
  log: Log;
}): ExpirySweeper {
  const { pool, workspace, subjects, log } = options;

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
        const kind = subjects.get(request.subject_kind);
        const subject = await kind.load(client, request);
        if (!subject) continue;
        const found = await expireRequest(client, {
          request,
          kind,
          subject,
          action: workspace.actions.get(request.action) ?? null,
          auditInto: events,
        });
        if (found) expired++;
      }
      await appendAudit(client, events);
      await pruneEvents(client, OUTBOX_KEEP_DAYS);
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
