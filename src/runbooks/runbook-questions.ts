// The six questions for a whole runbook run, answered from its rows: who started it, what it ran,
// why (the starter's reason, every approval — gates and action steps' requests — with who decided
// what, and every human answer with who gave it), what changed at each step (the action steps'
// runs, each with its own six questions at /api/v1/runs/{id}), when, and under which versions
// (the runbook's, and each action step's). Read in three queries whatever the number of steps.
import type { RunbookQuestions } from "../api/runbooks.ts";
import { scrubDeep } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import type { RunbookRunRow, StepRow } from "./runbook-store.ts";

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

interface StepRunRow {
  id: string;
  action: string;
  action_version: string;
  status: string;
  request_id: string;
  execution_request_id: string | null;
  approval_request_id: string | null;
  error_code: string | null;
  snapshot_before: unknown;
  snapshot_after: unknown;
  created_at: Date;
  finished_at: Date | null;
}

interface ApprovalRow {
  id: string;
  status: string;
  subject_kind: string;
  reason: string | null;
  requester_id: string;
  created_at: Date;
  decided_at: Date | null;
  decisions: {
    reviewerId: string;
    reviewerName: string | null;
    decision: string;
    reason: string | null;
    channel: string;
    decidedAt: string;
  }[];
}

export async function runbookQuestions(
  db: Queryable,
  row: RunbookRunRow,
  steps: StepRow[],
): Promise<RunbookQuestions> {
  const runIds = steps.flatMap((s) => (s.run_id ? [s.run_id] : []));
  // Nothing to read for a run without steps (one just started).
  const { rows: runs } = await (runIds.length === 0
    ? { rows: [] as StepRunRow[] }
    : db.query<StepRunRow>(
        `SELECT id, action, action_version, status, request_id, execution_request_id, approval_request_id,
            error_code, snapshot_before, snapshot_after, created_at, finished_at
       FROM airlock.runs WHERE id = ANY($1::text[])`,
        [runIds],
      ));
  const runById = new Map(runs.map((r) => [r.id, r]));
  const requestIds = [
    ...steps.flatMap((s) => (s.approval_request_id ? [s.approval_request_id] : [])),
    ...runs.flatMap((r) => (r.approval_request_id ? [r.approval_request_id] : [])),
  ];
  const { rows: approvals } = await (requestIds.length === 0
    ? { rows: [] as ApprovalRow[] }
    : db.query<ApprovalRow>(
        `SELECT ar.id, ar.status, ar.subject_kind, ar.reason, ar.requester_id, ar.created_at, ar.decided_at,
            COALESCE((SELECT jsonb_agg(jsonb_build_object(
                        'reviewerId', d.reviewer_id, 'reviewerName', u.name, 'decision', d.decision,
                        'reason', d.reason, 'channel', d.channel, 'decidedAt', d.decided_at)
                        ORDER BY d.decided_at)
                        FROM airlock.approval_decisions d JOIN airlock.users u ON u.id = d.reviewer_id
                       WHERE d.approval_request_id = ar.id), '[]'::jsonb) AS decisions
       FROM airlock.approval_requests ar WHERE ar.id = ANY($1::text[])`,
        [requestIds],
      ));
  const approvalById = new Map(approvals.map((a) => [a.id, a]));

  const approvalsAsked = steps.flatMap((step) => {
    const requestId =
      step.approval_request_id ?? (step.run_id ? runById.get(step.run_id)?.approval_request_id : null);
    const request = requestId ? approvalById.get(requestId) : undefined;
    if (!request) return [];
    return [
      {
        step: step.name,
        kind: step.kind === "approval" ? ("gate" as const) : ("action" as const),
        requestId: request.id,
        status: request.status,
        reason: request.reason,
        decisions: request.decisions.map((d) => ({
          reviewer: { id: d.reviewerId, name: d.reviewerName },
          decision: d.decision,
          reason: d.reason,
          channel: d.channel,
          decidedAt: new Date(d.decidedAt).toISOString(),
        })),
      },
    ];
  });

  const finished = row.finished_at ? new Date(row.finished_at).getTime() : null;
  return {
    who: { startedBy: { id: row.actor_id, name: row.actor_name }, requestId: row.request_id },
    what: { runbook: row.runbook, params: row.params, steps: steps.length, status: row.status },
    why: {
      reason: row.reason,
      approvals: approvalsAsked,
      answers: steps
        .filter((s) => s.kind === "input" && s.answered_by)
        .map((s) => ({
          step: s.name,
          title: s.title,
          answeredBy: { id: s.answered_by!, name: s.answered_by_name },
          answeredAt: iso(s.answered_at)!,
          answer: s.answer ?? null,
        })),
    },
    changed: steps
      .filter((s) => s.kind === "action")
      .map((s) => {
        const run = s.run_id ? runById.get(s.run_id) : undefined;
        return {
          step: s.name,
          action: s.action ?? run?.action ?? "",
          runId: s.run_id,
          status: run?.status ?? s.status,
          errorCode: run?.error_code ?? s.error?.code ?? null,
          requestId: run?.request_id ?? null,
          executionRequestId: run?.execution_request_id ?? null,
          // What the target looked like around the run (the action's `describe`), scrubbed of PII.
          snapshotBefore: scrubDeep(run?.snapshot_before ?? null),
          snapshotAfter: scrubDeep(run?.snapshot_after ?? null),
        };
      }),
    when: {
      startedAt: iso(row.created_at)!,
      finishedAt: iso(row.finished_at),
      durationMs: finished === null ? null : Math.max(0, finished - new Date(row.created_at).getTime()),
      steps: steps.map((s) => ({
        step: s.name,
        startedAt: iso(s.started_at)!,
        finishedAt: iso(s.finished_at),
      })),
    },
    version: {
      runbook: row.version,
      attempt: row.attempt,
      actions: steps.flatMap((s) => {
        const run = s.run_id ? runById.get(s.run_id) : undefined;
        return run ? [{ step: s.name, action: run.action, version: run.action_version }] : [];
      }),
    },
  };
}
