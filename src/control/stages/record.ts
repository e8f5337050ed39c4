import type { AuditEventInput } from "../../audit/audit-event.ts";
import { appendAudit } from "../../audit/audit-writer.ts";
import { runEvent } from "../../runs/run-audit.ts";
import { endInline } from "../../runs/run-lifecycle.ts";
import { type RunRow, runFields } from "../../runs/run-store.ts";
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
    const { tx, action, principal, request, inlineRun } = ctx;
    // An inline run has no row yet: its audit events are built from what will be inserted.
    const run = ctx.run ?? (inlineRun ? runFields(inlineRun) : undefined);
    const status = ctx.run?.status ?? inlineRun?.status;
    if (!tx || !run) return NEXT;
    const client = {
      clientIp: request.client.clientIp,
      userAgent: request.client.userAgent,
      actorKind: principal!.kind,
    };
    const events: AuditEventInput[] = [];
    const grant = ctx.authorizedBy;
    if (status === "pending_approval") {
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
    let write: (() => Promise<RunRow | undefined>) | null = null;
    if (inlineRun && outcome) {
      const ended = endInline(ctx.deps, {
        db: tx,
        action: action!,
        run: inlineRun,
        fields: run,
        outcome,
        client,
      });
      write = ended.write;
      events.push(ended.event);
    } else if (inlineRun) {
      throw new Error("an inline run reached record without its handler's outcome");
    }
    await ctx.deps.racePoint?.("record.before_commit");
    // One round trip: an inline run's row (in its final state), the audit events and COMMIT,
    // pipelined. A failure in either write aborts the transaction, and the COMMIT then rolls back.
    const [written] = await Promise.all(
      sendTogether(tx, () => [write?.(), appendAudit(tx, events), tx.query("COMMIT")] as const),
    );
    tx.release();
    ctx.tx = undefined;
    if (written) {
      ctx.run = written;
      ctx.inlineRun = undefined;
    }
    return NEXT;
  },
};
