import type { AuditEventInput } from "../../audit/audit-event.ts";
import { appendAudit } from "../../audit/audit-writer.ts";
import { runEvent } from "../../runs/run-audit.ts";
import { endInline } from "../../runs/run-lifecycle.ts";
import { runFields } from "../../runs/run-store.ts";
import type { Executed, Recorded } from "../pipeline-context.ts";

/**
 * Stage 9, the last, in the run's transaction: the run's audit events (and an inline run's row,
 * in the state its handler ended in), handed to the `transaction` stage, which writes them with
 * COMMIT. Either everything the run did (its effects, its status, its record) commits, or
 * nothing does.
 */
export async function record(ctx: Executed): Promise<Recorded> {
  const { action, principal, request } = ctx;
  // An inline run has no row yet: its audit events are built from what will be inserted.
  const run = ctx.execution === "held" ? ctx.run : runFields(ctx.newRun);
  const client = {
    clientIp: request.client.clientIp,
    userAgent: request.client.userAgent,
    actorKind: principal.kind,
  };
  const events: AuditEventInput[] = [];
  const grant = ctx.authorizedBy;
  if (ctx.execution === "held") {
    events.push(
      runEvent("run.requested", "pending", action, run, {
        ...client,
        data: { authorizedBy: grant, channel: request.channel },
      }),
    );
    events.push(
      runEvent("approval.requested", "pending", action, run, {
        ...client,
        data: {
          expiresAt: ctx.approvalExpiresAt,
          policies: ctx.enforced.map((m) => ({
            name: m.policy.name,
            reviewers: m.policy.reviewers,
            quorum: m.policy.quorum,
            because: m.because,
          })),
          // The reviewers the requester narrowed it to (ids and group names), bound to the request.
          ...(ctx.chosenReviewers ? { chosenReviewers: ctx.chosenReviewers } : {}),
        },
      }),
    );
  } else {
    events.push(
      runEvent("run.requested", "info", action, run, {
        ...client,
        data: { authorizedBy: grant, channel: request.channel },
      }),
    );
  }
  for (const match of ctx.monitored) {
    events.push(
      runEvent("policy.would_require_approval", "info", action, run, {
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
  if (ctx.execution === "queued" && ctx.startedHere)
    events.push(runEvent("run.started", "info", action, run, { data: { attempt: 1 } }));
  const recordWith = request.recordWith ?? null;
  if (ctx.execution !== "inline") {
    const created = ctx.execution === "held" ? Promise.resolve(ctx.run) : ctx.created;
    const status = ctx.execution === "held" ? ctx.run.status : ctx.newRun.status;
    return {
      kind: "recorded",
      write(tx) {
        const audited = appendAudit(tx, events);
        const theirs = recordWith?.(tx, { id: run.id, status, errorCode: null, errorMessage: null });
        return Promise.all([created, audited, theirs]).then(([row]) => row);
      },
    };
  }

  const { newRun, outcome } = ctx;
  const ended = endInline(ctx.deps, { action, run: newRun, fields: run, outcome, client });
  events.push(ended.event);
  return {
    kind: "recorded",
    write(tx) {
      // Every statement is issued before the first await: they share the COMMIT's write.
      const inserted = ended.write(tx);
      const audited = appendAudit(tx, events);
      const theirs = recordWith?.(tx, {
        id: newRun.id,
        status: outcome.status,
        errorCode: outcome.error?.code ?? null,
        errorMessage: outcome.error?.message ?? null,
      });
      return Promise.all([inserted, audited, theirs]).then(([row]) => row);
    },
  };
}
