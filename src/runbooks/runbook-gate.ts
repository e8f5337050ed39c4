// Approval gates in a runbook (`rb.approve`): the runbook stops until reviewers approve, through
// an approval request whose subject is the runbook run's step (kind `runbook_gate`). The request
// is decided like any approval (approval-decision.ts: one transaction, the row lock, quorum of
// distinct humans, every decision and refusal audited), so the rules every kind gets hold here
// too — above all, the requester never decides: the requester is the runbook's starter, so the
// starter cannot approve their own runbook's gate, on any channel.
//
// No action governs a gate: the runbook does. Who may decide is who holds `approve` on the
// runbook and is among the gate's reviewers; who may see it is the starter, whoever may view the
// runbook, and the reviewers. The payload hash binds the approval to the runbook run, its
// parameters, its version, the step and the attempt: an approval of one gate never opens another.
//
// The decision writes the step's end in its own transaction (the kind's hooks); the workflow
// reads the step row (the truth) and is woken by the `approval.decided` event, or looks again
// within a minute if that wake-up is lost.
import type pg from "pg";
import { approvalEvent } from "../approval/approval-audit.ts";
import {
  createApprovalRequest,
  getApprovalRequest,
  moveApproval,
  type PolicySnapshot,
} from "../approval/approval-store.ts";
import type { ApprovalSubjectKind } from "../approval/approval-subject.ts";
import type { ChosenReviewers } from "../approval/reviewer-choice.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { DurableEngine } from "../engine/durable-engine.ts";
import { emitEvents } from "../events/event-emit.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import { paramsHash } from "../runs/params-hash.ts";
import type { ApproveOptions } from "../sdk/define-runbook.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { expireDueGate } from "./runbook-gate-expiry.ts";
import { gatePolicy, resolveGateChoice } from "./runbook-gate-reviewers.ts";
import { beginStep, endGateStep, getRunbookRun, getStep, type RunbookRunRow } from "./runbook-store.ts";
import { StepFailure } from "./step-failure.ts";

export const GATE_SUBJECT = "runbook_gate";
const RECHECK_SECONDS = 60;

/** The gate's subject id: the runbook run, the step, the attempt (a retry asks again). */
export function gateSubjectId(runbookRunId: string, step: string, attempt: number): string {
  return `${runbookRunId}:${step}:${attempt}`;
}

function parseSubjectId(id: string): { runbookRunId: string; step: string; attempt: number } | null {
  const [runbookRunId, step, attempt] = id.split(":");
  if (!runbookRunId || !step || !attempt) return null;
  return { runbookRunId, step, attempt: Number(attempt) };
}

/** Whether the request is an approved gate of this runbook run (any attempt). */
export async function isApprovedGateOf(
  db: Queryable,
  requestId: string,
  runbookRunId: string,
): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM airlock.approval_requests
      WHERE id = $1 AND subject_kind = $2 AND status = 'approved' AND split_part(subject_id, ':', 1) = $3`,
    [requestId, GATE_SUBJECT, runbookRunId],
  );
  return rows.length > 0;
}

/** What an approval of the gate approves: this run of this runbook, at this step and attempt. */
export function gateHash(
  run: Pick<RunbookRunRow, "id" | "runbook" | "version" | "params">,
  step: string,
  attempt: number,
  reason: string,
): string {
  return paramsHash(`runbook_gate:${run.runbook}`, {
    runbookRunId: run.id,
    version: run.version,
    params: run.params,
    step,
    attempt,
    reason,
  });
}

/** The topic a gate's workflow listens on for its decision. */
export function gateTopic(step: string): string {
  return `gate:${step}`;
}

export function gateSubjectKind(deps: {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
}): ApprovalSubjectKind {
  const runbookOf = (request: { action: string }) => deps.workspace.runbooks.get(request.action) ?? null;

  async function gateOf(db: Queryable, subjectId: string) {
    const ref = parseSubjectId(subjectId);
    if (!ref) return null;
    const [run, step] = [
      await getRunbookRun(db, ref.runbookRunId),
      await getStep(db, ref.runbookRunId, ref.step),
    ];
    return run && step?.kind === "approval" ? { ref, run, step } : null;
  }

  const end =
    (code: string, message: (reason: string | null) => string) =>
    async (db: Queryable, change: { request: { subject_id: string }; reason: string | null }) => {
      const gate = await gateOf(db, change.request.subject_id);
      if (!gate) return;
      await endGateStep(db, gate.run.id, gate.ref.step, {
        status: "failed",
        error: { code, message: message(change.reason) },
      });
    };

  return {
    kind: GATE_SUBJECT,
    async load(db, request) {
      return (await gateOf(db, request.subject_id)) ? { onBehalfOf: null, run: null } : null;
    },
    async payloadHash(db, request) {
      const gate = await gateOf(db, request.subject_id);
      if (!gate) return null;
      return gateHash(gate.run, gate.ref.step, gate.ref.attempt, gate.step.title ?? "");
    },
    access: {
      async maySee(principal, request) {
        if (principal.id === request.requester_id) return true;
        const runbook = runbookOf(request);
        if (runbook && (await deps.authorizer.can(principal, "view", runbook)).allowed) return true;
        return request.policies.some(
          (p) =>
            principal.kind === "human" &&
            (p.reviewers.groups.some((g) => principal.groups.includes(g)) ||
              p.reviewers.users.some(
                (u) => u === principal.id || u.toLowerCase() === principal.email?.toLowerCase(),
              )),
        );
      },
      async mayDecide(principal, request) {
        const runbook = runbookOf(request);
        return runbook !== null && (await deps.authorizer.can(principal, "approve", runbook)).allowed;
      },
    },
    async onApproved(db, change) {
      const gate = await gateOf(db, change.request.subject_id);
      if (!gate) throw new Error(`runbook gate ${change.request.subject_id} is gone under its approval`);
      const { rows } = await db.query<{ reviewer_id: string }>(
        `SELECT reviewer_id FROM airlock.approval_decisions
          WHERE approval_request_id = $1 AND decision = 'approve' ORDER BY decided_at`,
        [change.request.id],
      );
      await endGateStep(db, gate.run.id, gate.ref.step, {
        status: "succeeded",
        output: { approvalRequestId: change.request.id, approvedBy: rows.map((r) => r.reviewer_id) },
      });
      return () => {};
    },
    onRejected: end(
      "runbook.gate_rejected",
      (reason) => `The gate was rejected${reason ? `: ${reason}` : "."}`,
    ),
    onCancelled: end("runbook.gate_cancelled", () => "The starter withdrew the gate's approval request."),
    onExpired: end("approval.expired", () => "Nobody approved the gate before it expired."),
    // Listed in the approvals inbox beside runs: who holds `approve` on a runbook may decide its
    // gates (the SQL there adds reviewers, not-the-starter, not-yet-decided, as for runs).
    inbox: {
      async approvable(principal) {
        const names: string[] = [];
        for (const runbook of deps.workspace.runbooks.values())
          if ((await deps.authorizer.can(principal, "approve", runbook)).allowed) names.push(runbook.name);
        return names;
      },
      item(request) {
        const ref = parseSubjectId(request.subject_id);
        const runbookRunId = ref?.runbookRunId ?? "";
        const step = ref?.step ?? "";
        const stepPath = `/api/v1/runbook-runs/${runbookRunId}/steps/${encodeURIComponent(step)}`;
        return {
          title: runbookOf(request)?.title ?? null,
          fields: { runbook: request.action, runbookRunId, step },
          links: {
            run: `/api/v1/runbook-runs/${runbookRunId}`,
            approve: `${stepPath}/approve`,
            reject: `${stepPath}/reject`,
          },
        };
      },
    },
  };
}

export interface GateDeps {
  pool: pg.Pool;
  engine: DurableEngine;
  row: RunbookRunRow;
  principal: Principal;
  authorizer: Authorizer;
  /** The runbook whose `approve` grant the gate's reviewers hold. */
  runbook: { name: string; tags: string[] };
}

type Check =
  | { kind: "approved"; output: { approvalRequestId: string; approvedBy: string[] } }
  | { kind: "refused"; code: string; message: string }
  | { kind: "wait"; seconds: number };

/** The gate's durable steps: ask (request + step row, one transaction), then wait for the decision. */
export async function waitForGate(
  deps: GateDeps,
  step: { name: string; position: number; options: ApproveOptions; expiresInMs: number },
): Promise<{ approvalRequestId: string; approvedBy: string[] }> {
  const { pool, engine, row, principal } = deps;
  const asked = await engine.step(
    step.name,
    async (): Promise<{ requestId: string; at: number } | { failed: string; code?: string }> => {
      const problem = reviewersProblem(step.options);
      if (problem) return { failed: problem };
      const reason = scrubText(step.options.reason).slice(0, 1_000);
      const subjectId = gateSubjectId(row.id, step.name, row.attempt);
      const existing = await pool.query<{ id: string; expires_at: Date }>(
        "SELECT id, expires_at FROM airlock.approval_requests WHERE subject_kind = $1 AND subject_id = $2",
        [GATE_SUBJECT, subjectId],
      );
      // Asked before a crash that came before this step's checkpoint: the same request.
      if (existing.rows[0])
        return { requestId: existing.rows[0].id, at: new Date(existing.rows[0].expires_at).getTime() };
      const policies: PolicySnapshot[] = [gatePolicy(step.name, step.options, reason)];
      // The starter's pick for this gate, made at start, checked again on the gate as it is.
      const picked = row.gate_reviewers?.[step.name];
      let chosen: ChosenReviewers | null = null;
      if (picked) {
        const resolved = await resolveGateChoice(
          { pool, authorizer: deps.authorizer },
          deps.runbook,
          principal,
          step.name,
          step.options,
          picked,
        );
        if (!resolved.ok) return { failed: resolved.error.message, code: resolved.error.code };
        chosen = resolved.chosen;
      }
      const id = newId("apr");
      return await inTransaction(pool, async (tx) => {
        await beginStep(tx, {
          runbookRunId: row.id,
          name: step.name,
          position: step.position,
          kind: "approval",
          status: "waiting",
          title: reason,
        });
        const made = await createApprovalRequest(tx, {
          id,
          subject: { kind: GATE_SUBJECT, id: subjectId },
          action: row.runbook,
          actionVersion: row.version,
          requesterId: row.actor_id,
          paramsHash: gateHash(row, step.name, row.attempt, reason),
          reason,
          policies,
          chosenReviewers: chosen,
          expiresInMs: step.expiresInMs,
          requestId: row.request_id,
        });
        await tx.query(
          `UPDATE airlock.runbook_steps SET approval_request_id = $3, expires_at = $4
          WHERE runbook_run_id = $1 AND name = $2`,
          [row.id, step.name, id, made.expiresAt],
        );
        await appendAudit(tx, [
          approvalEvent(
            "approval.requested",
            "pending",
            {
              action: null,
              request: {
                id,
                action: row.runbook,
                action_version: row.version,
                run_id: null,
                subject_kind: GATE_SUBJECT,
                subject_id: subjectId,
              },
              run: null,
              actor: principal,
              requestId: row.request_id,
            },
            {
              reason,
              data: {
                runbookRunId: row.id,
                step: step.name,
                expiresAt: made.expiresAt,
                policies,
                ...(chosen ? { chosenReviewers: chosen } : {}),
              },
            },
          ),
        ]);
        await emitEvents(tx, [
          {
            type: "runbook.waiting",
            payload: { runbookRunId: row.id, step: step.name, waitingFor: "approval", assignedGroup: null },
          },
        ]);
        return { requestId: id, at: new Date(made.expiresAt).getTime() };
      });
    },
  );
  if ("failed" in asked) throw new StepFailure(asked.code ?? "runbook.invalid", asked.failed, step.name);

  for (let look = 1; ; look++) {
    // A step, so that a resumed run takes the same path: the decision it saw is recorded.
    const check: Check = await engine.step(`${step.name}.check${look}`, async () => {
      if (asked.at <= Date.now())
        await expireDueGate(pool, {
          approvalRequestId: asked.requestId,
          runbookRunId: row.id,
          step: step.name,
        });
      const current = await getStep(pool, row.id, step.name);
      if (current?.status === "succeeded")
        return {
          kind: "approved",
          output: current.output as { approvalRequestId: string; approvedBy: string[] },
        };
      if (current?.status === "failed" || current?.status === "cancelled")
        return {
          kind: "refused",
          code: current.error?.code ?? "runbook.gate_rejected",
          message: current.error?.message ?? "The gate was not approved.",
        };
      // The last wait ends at the expiry, and the look after it expires the gate (above).
      const left = asked.at - Date.now();
      return { kind: "wait", seconds: Math.max(1, Math.min(RECHECK_SECONDS, Math.ceil(left / 1000))) };
    });
    if (check.kind === "approved") return check.output;
    if (check.kind === "refused") throw new StepFailure(check.code, check.message, step.name);
    await engine.recv(gateTopic(step.name), check.seconds);
  }
}

function reviewersProblem(options: ApproveOptions): string | null {
  const groups = options.reviewers?.groups ?? [];
  const users = options.reviewers?.users ?? [];
  if (groups.length + users.length === 0) return "An approval gate needs reviewers (groups or users).";
  const quorum = options.quorum ?? 1;
  if (!Number.isInteger(quorum) || quorum < 1) return "An approval gate's quorum is a whole number from 1.";
  if (!options.reason?.trim()) return "An approval gate needs a reason, shown to its reviewers.";
  return null;
}

/** A cancelled runbook's pending gates are withdrawn with it: no reviewer decides a dead gate. */
export async function withdrawGates(
  tx: pg.PoolClient,
  row: RunbookRunRow,
  principal: Principal,
  reason: string | null,
): Promise<void> {
  const { rows } = await tx.query<{ approval_request_id: string }>(
    `SELECT approval_request_id FROM airlock.runbook_steps
      WHERE runbook_run_id = $1 AND kind = 'approval' AND approval_request_id IS NOT NULL`,
    [row.id],
  );
  for (const { approval_request_id: id } of rows) {
    const request = await getApprovalRequest(tx, id, { forUpdate: true });
    if (request?.status !== "pending" || !(await moveApproval(tx, id, "pending", "cancelled"))) continue;
    await appendAudit(tx, [
      approvalEvent(
        "approval.cancelled",
        "info",
        { action: null, request, run: null, actor: principal, requestId: row.request_id },
        { reason, data: { runbookRunId: row.id, via: "runbook.cancelled" } },
      ),
    ]);
  }
}
