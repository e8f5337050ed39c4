// Runbook runs as the API shows them (src/api/runbooks.ts): times as ISO strings, people as
// references, each step with whether the viewer may answer it.
import type { RunbookQuestions, RunbookRun } from "../api/runbooks.ts";
import type { ApprovalRequestRow, DecisionRow } from "../approval/approval-store.ts";
import type { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { RunbookRunRow, StepRow } from "./runbook-store.ts";

export type RunbookRunView = RunbookRun;
export type WaitingInputView = ReturnType<typeof waitingInputView>;
export type WaitingGateView = ReturnType<typeof waitingGateView>;

/** An approval gate's request, its decisions so far, and why the viewer may not decide it (or null). */
export interface GateFacts {
  request: ApprovalRequestRow;
  decisions: DecisionRow[];
  whyNot: AirlockError | null;
}

function gateView(facts: GateFacts) {
  const { request } = facts;
  const policy = request.policies[0];
  return {
    requestId: request.id,
    status: request.status,
    reason: request.reason,
    reviewers: { groups: policy?.reviewers.groups ?? [], users: policy?.reviewers.users ?? [] },
    quorum: policy?.quorum ?? 1,
    decisions: facts.decisions.map((d) => ({
      reviewer: { id: d.reviewer_id, name: d.reviewer_name },
      decision: d.decision,
      reason: d.reason,
      channel: d.channel,
      decidedAt: iso(d.decided_at)!,
    })),
    expiresAt: iso(request.expires_at)!,
    decidedAt: iso(request.decided_at),
    canDecide: facts.whyNot === null,
    whyNot: facts.whyNot ? { code: facts.whyNot.code, message: facts.whyNot.message } : null,
  };
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

export function runbookRunView(
  workspace: CompiledWorkspace,
  row: RunbookRunRow,
  steps: StepRow[],
  logs: { seq: number; message: string; at: Date }[],
  viewer: Principal,
  gates: ReadonlyMap<string, GateFacts> = new Map(),
  questions: RunbookQuestions | null = null,
): RunbookRunView {
  return {
    id: row.id,
    runbook: row.runbook,
    title: workspace.runbooks.get(row.runbook)?.title ?? row.runbook,
    version: row.version,
    status: row.status,
    params: row.params,
    actor: { id: row.actor_id, name: row.actor_name },
    requestId: row.request_id,
    attempt: row.attempt,
    progress: row.progress,
    result: row.result ?? null,
    error: row.error,
    cancelledBy: row.cancelled_by,
    cancelReason: row.cancel_reason,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    finishedAt: iso(row.finished_at),
    steps: steps.map((step) => ({
      name: step.name,
      position: step.position,
      kind: step.kind,
      status: step.status,
      action: step.action,
      runId: step.run_id,
      title: step.title,
      form: step.form,
      assignee: step.kind === "input" ? { group: step.assigned_group, user: step.assigned_user } : null,
      canAnswer:
        step.kind === "input" &&
        step.status === "waiting" &&
        (step.assigned_user
          ? step.assigned_user === viewer.id
          : step.assigned_group !== null && viewer.groups.includes(step.assigned_group)),
      expiresAt: iso(step.expires_at),
      answeredBy: step.answered_by ? { id: step.answered_by, name: step.answered_by_name } : null,
      answeredAt: iso(step.answered_at),
      answer: step.answer ?? null,
      wakeAt: iso(step.wake_at),
      approval: gates.has(step.name) ? gateView(gates.get(step.name)!) : null,
      output: step.output ?? null,
      error: step.error,
      startedAt: iso(step.started_at)!,
      finishedAt: iso(step.finished_at),
      durationMs: step.finished_at
        ? Math.max(0, new Date(step.finished_at).getTime() - new Date(step.started_at).getTime())
        : null,
    })),
    logs: logs.map((log) => ({ seq: log.seq, message: log.message, at: iso(log.at)! })),
    reason: row.reason ?? null,
    questions,
  };
}

export function waitingInputView(
  workspace: CompiledWorkspace,
  row: StepRow & { runbook: string; actor_id: string },
) {
  return {
    runbookRunId: row.runbook_run_id,
    runbook: row.runbook,
    runbookTitle: workspace.runbooks.get(row.runbook)?.title ?? row.runbook,
    step: row.name,
    title: row.title,
    form: row.form,
    startedBy: row.actor_id,
    expiresAt: iso(row.expires_at),
    waitingSince: iso(row.started_at)!,
  };
}

export function waitingGateView(
  workspace: CompiledWorkspace,
  row: StepRow & { runbook: string; actor_id: string },
  facts: GateFacts,
) {
  return {
    runbookRunId: row.runbook_run_id,
    runbook: row.runbook,
    runbookTitle: workspace.runbooks.get(row.runbook)?.title ?? row.runbook,
    step: row.name,
    startedBy: row.actor_id,
    waitingSince: iso(row.started_at)!,
    approval: gateView(facts),
  };
}
