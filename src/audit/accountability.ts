// The six questions for one run, answered on one page (product.md, "Audit trail"): who acted
// (and for whom), on what target, allowed by which grant, approved by whom and when, what
// changed, and which request IDs to search the logs with — plus whether the run's audit events
// still match their seals.
import type { Queryable } from "../store/queryable.ts";
import { actorsByIds } from "./audit-actors.ts";
import { auditTrailOfRun } from "./run-accountability.ts";

/** The facts of a run the answers start from (a row of airlock.runs; runs/run-store.ts's RunRow fits). */
export interface AccountableRun {
  id: string;
  action: string;
  action_version: string;
  actor_id: string;
  on_behalf_of: string | null;
  channel: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  authorized_by: unknown;
  approval_request_id: string | null;
  snapshot_before: unknown;
  snapshot_after: unknown;
  error_code?: string | null;
  error_message?: string | null;
  error_details?: Record<string, unknown> | null;
  request_id: string;
  execution_request_id?: string | null;
  parent_request_id: string | null;
}

export interface Accountability {
  who: { actor: Person | null; onBehalfOf: string | null; channel: string };
  target: { action: string; version: string; target: { type: string; id: string } | null };
  allowedBy: unknown;
  /** The break-glass elevation the actor held when the run was requested, or null. */
  elevation: { id: string; role: string; reason: string; startedAt: string; endsAt: string } | null;
  approval: {
    required: boolean;
    requestId: string | null;
    status: string | null;
    reason: string | null;
    policies: unknown;
    decisions: { reviewer: Person; decision: string; reason: string | null; channel: string; at: string }[];
    wouldHaveRequired: { policy: string; because: string | null }[];
  };
  changed: {
    before: unknown;
    after: unknown;
    diff: { path: string; before: unknown; after: unknown }[];
    /** How the run failed: a downstream failure names the system, and whether its outcome is unknown. */
    error: {
      code: string;
      message: string;
      details: Record<string, unknown> | null;
      outcomeUnknown: boolean;
    } | null;
  };
  requestIds: { request: string; execution: string | null; parent: string | null };
  audit: {
    verified: boolean;
    events: {
      id: string;
      type: string;
      at: string;
      outcome: string;
      requestId: string | null;
      errorCode: string | null;
      actor: { id: string; name: string | null } | null;
      status: string;
      sealId: number | null;
    }[];
  };
}

interface Person {
  id: string;
  name: string;
  email: string | null;
  kind: string;
}

export async function accountabilityOf(db: Queryable, run: AccountableRun): Promise<Accountability> {
  const [actor, approval, decisions, monitored, trail, elevation] = await Promise.all([
    db.query<Person>("SELECT id, name, email, kind FROM airlock.users WHERE id = $1", [run.actor_id]),
    run.approval_request_id
      ? db.query<{ id: string; status: string; reason: string | null; policies: unknown }>(
          "SELECT id, status, reason, policies FROM airlock.approval_requests WHERE id = $1",
          [run.approval_request_id],
        )
      : Promise.resolve({ rows: [] }),
    run.approval_request_id
      ? db.query<{
          reviewer_id: string;
          name: string;
          email: string | null;
          kind: string;
          decision: string;
          reason: string | null;
          channel: string;
          decided_at: Date;
        }>(
          `SELECT d.reviewer_id, u.name, u.email, u.kind, d.decision, d.reason, d.channel, d.decided_at
             FROM airlock.approval_decisions d JOIN airlock.users u ON u.id = d.reviewer_id
            WHERE d.approval_request_id = $1 ORDER BY d.decided_at`,
          [run.approval_request_id],
        )
      : Promise.resolve({ rows: [] }),
    db.query<{ data: { policy: string; because: string | null } }>(
      "SELECT data FROM airlock.audit_events WHERE run_id = $1 AND type = 'policy.would_require_approval' ORDER BY id",
      [run.id],
    ),
    auditTrailOfRun(db, run.id),
    // Runs done while elevated are marked on their page, not only by the audit window around them.
    db.query<{ id: string; role: string; reason: string; started_at: Date; ends_at: Date }>(
      `SELECT b.id, b.role, b.reason, b.started_at, b.ends_at
         FROM airlock.runs r JOIN airlock.break_glass b ON b.user_id = r.actor_id
        WHERE r.id = $1 AND b.started_at <= r.created_at AND r.created_at < COALESCE(b.ended_at, b.ends_at)
        ORDER BY b.started_at DESC LIMIT 1`,
      [run.id],
    ),
  ]);
  const elevated = elevation.rows[0];
  const request = approval.rows[0];
  const actors = await actorsByIds(
    db,
    trail.events.map(({ event }) => event.actorId),
  );
  return {
    who: { actor: actor.rows[0] ?? null, onBehalfOf: run.on_behalf_of, channel: run.channel },
    target: {
      action: run.action,
      version: run.action_version,
      target: run.target_type && run.target_id ? { type: run.target_type, id: run.target_id } : null,
    },
    allowedBy: run.authorized_by,
    elevation: elevated
      ? {
          id: elevated.id,
          role: elevated.role,
          reason: elevated.reason,
          startedAt: elevated.started_at.toISOString(),
          endsAt: elevated.ends_at.toISOString(),
        }
      : null,
    approval: {
      required: Boolean(run.approval_request_id),
      requestId: run.approval_request_id,
      status: request?.status ?? null,
      reason: request?.reason ?? run.reason,
      policies: request?.policies ?? null,
      decisions: decisions.rows.map((d) => ({
        reviewer: { id: d.reviewer_id, name: d.name, email: d.email, kind: d.kind },
        decision: d.decision,
        reason: d.reason,
        channel: d.channel,
        at: new Date(d.decided_at).toISOString(),
      })),
      wouldHaveRequired: monitored.rows.map((r) => ({
        policy: r.data.policy,
        because: r.data.because ?? null,
      })),
    },
    changed: {
      before: run.snapshot_before,
      after: run.snapshot_after,
      diff: diff(run.snapshot_before, run.snapshot_after),
      error: run.error_code
        ? {
            code: run.error_code,
            message: run.error_message ?? "",
            details: run.error_details ?? null,
            outcomeUnknown: run.error_details?.outcomeUnknown === true,
          }
        : null,
    },
    requestIds: {
      request: run.request_id,
      execution: run.execution_request_id ?? null,
      parent: run.parent_request_id,
    },
    audit: {
      verified: trail.verified,
      events: trail.events.map(({ event, sealId, status }) => ({
        id: event.id,
        type: event.type,
        at: event.occurredAt,
        outcome: event.outcome,
        requestId: event.requestId,
        errorCode: event.errorCode,
        actor: event.actorId ? { id: event.actorId, name: actors.get(event.actorId)?.name ?? null } : null,
        status,
        sealId,
      })),
    },
  };
}

/** Leaf-level differences between two snapshots, as dotted paths. */
export function diff(
  before: unknown,
  after: unknown,
  path = "",
): { path: string; before: unknown; after: unknown }[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diff(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: path || "(value)", before: before ?? null, after: after ?? null }];
}
