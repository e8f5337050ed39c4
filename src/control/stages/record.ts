import type { AuditEventInput } from "../../audit/audit-event.ts";
import { appendAudit } from "../../audit/audit-writer.ts";
import { maskedResult, runEvent } from "../../runs/run-audit.ts";
import { transitionRun } from "../../runs/run-store.ts";
import { sendTogether } from "../../store/send-together.ts";
import { NEXT, type Stage } from "../pipeline-context.ts";

/**
 * Stage 9: write the run's state and its audit events in the transaction that `execute` opened,
 * then commit. Either everything the run did (its effects, its status, its record) commits, or
 * nothing does.
 */
export const record: Stage = {
  name: "record",
  async run(ctx) {
    const { tx, action, principal, run, request } = ctx;
    if (!tx || !run) return NEXT;
    const client = {
      clientIp: request.client.clientIp,
      userAgent: request.client.userAgent,
      actorKind: principal!.kind,
    };
    const events: AuditEventInput[] = [];
    const grant = ctx.authorizedBy;
    if (run.status === "pending_approval") {
      events.push(
        runEvent("run.requested", "pending", action!, run, {
          ...client,
          data: { authorizedBy: grant, channel: request.channel },
        }),
      );
      events.push(
        runEvent("approval.requested", "pending", action!, run, {
          ...client,
          data: {
            expiresAt: ctx.approvalExpiresAt,
            policies: (ctx.enforced ?? []).map((m) => ({
              name: m.policy.name,
              reviewers: m.policy.reviewers,
              quorum: m.policy.quorum,
              because: m.because,
            })),
          },
        }),
      );
    } else {
      events.push(
        runEvent("run.requested", "info", action!, run, {
          ...client,
          data: { authorizedBy: grant, channel: request.channel },
        }),
      );
    }
    for (const match of ctx.monitored ?? []) {
      events.push(
        runEvent("policy.would_require_approval", "info", action!, run, {
          ...client,
          data: {
            policy: match.policy.name,
            reviewers: match.policy.reviewers,
            quorum: match.policy.quorum,
            because: match.because,
          },
        }),
      );
    }
    const outcome = ctx.outcome;
    let transition: (() => Promise<boolean>) | null = null;
    if (run.status === "running" && outcome) {
      const final = outcome.status;
      transition = () =>
        transitionRun(tx, run.id, "running", final, {
          result: outcome.result,
          errorCode: outcome.error?.code ?? null,
          errorMessage: outcome.error?.message ?? null,
          snapshotBefore: outcome.snapshotBefore,
          snapshotAfter: outcome.snapshotAfter,
        });
      events.push(
        runEvent(
          final === "succeeded" ? "run.succeeded" : "run.failed",
          final === "succeeded" ? "success" : "failure",
          action!,
          run,
          {
            ...client,
            errorCode: outcome.error?.code ?? null,
            data: {
              before: outcome.snapshotBefore,
              after: outcome.snapshotAfter,
              result: final === "succeeded" ? maskedResult(action!, outcome.result) : undefined,
              attempt: 1,
              durationMs: Math.round(outcome.durationMs * 100) / 100,
            },
          },
        ),
      );
      Object.assign(run, {
        status: final,
        result: outcome.result,
        error_code: outcome.error?.code ?? null,
        error_message: outcome.error?.message ?? null,
        snapshot_before: outcome.snapshotBefore,
        snapshot_after: outcome.snapshotAfter,
        finished_at: new Date(),
      });
      ctx.deps.metrics.runsFinished.inc({ action: action!.name, status: final });
      ctx.deps.metrics.runDuration.observe({ action: action!.name }, outcome.durationMs / 1000);
    }
    await ctx.deps.racePoint?.("record.before_commit");
    // One round trip: the run's final state, its audit events and COMMIT, pipelined. A failure in
    // either write aborts the transaction, and the COMMIT then rolls back.
    await Promise.all(sendTogether(tx, () => [transition?.(), appendAudit(tx, events), tx.query("COMMIT")]));
    tx.release();
    ctx.tx = undefined;
    return NEXT;
  },
};
