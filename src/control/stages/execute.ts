import { createApprovalRequest } from "../../approval/approval-store.ts";
import { AirlockError } from "../../errors/airlock-error.ts";
import { actorOf } from "../../identity/principal.ts";
import { newId } from "../../ids/ids.ts";
import { createRun } from "../../runs/run-lifecycle.ts";
import { RUN_QUEUE } from "../../runs/run-queue.ts";
import type { NewRun } from "../../runs/run-store.ts";
import { sendTogether } from "../../store/send-together.ts";
import { claimKey, findKey } from "../idempotency-store.ts";
import { NEXT, type Stage } from "../pipeline-context.ts";
import { runHandler } from "../run-handler.ts";
import { replayOrRefuse } from "./idempotency.ts";

// How long a submit waits on another transaction holding the same idempotency key before
// answering in_progress (an inline run holds it for its whole handler).
const KEY_LOCK_TIMEOUT = "2s";

/**
 * Stage 8: open the run's transaction, create the run and claim its idempotency key, then one of:
 * hold it for approval (enforced policies), run the handler right here (`execution: "inline"`),
 * or enqueue it on the engine (`queued`). The transaction stays open for `record`.
 */
export const execute: Stage = {
  name: "execute",
  async run(ctx) {
    const { deps, action, principal, request } = ctx;
    const enforced = ctx.enforced ?? [];
    const runId = newId("run");
    ctx.runId = runId;
    const status =
      enforced.length > 0 ? "pending_approval" : action!.execution === "inline" ? "running" : "queued";
    const approvalRequestId = status === "pending_approval" ? newId("apr") : null;
    const target = action!.definition.target?.(ctx.params as never) ?? null;

    const newRun: NewRun = {
      id: runId,
      action: action!.name,
      actionVersion: action!.version,
      status,
      actorId: principal!.id,
      onBehalfOf: request.onBehalfOf ?? null,
      channel: request.channel,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      params: ctx.params,
      paramsHash: ctx.paramsHash!,
      reason: request.reason?.trim() || null,
      requestId: ctx.requestId,
      parentRequestId: request.parentRequestId ?? null,
      idempotencyKey: ctx.idempotencyKey!,
      authorizedBy: ctx.authorizedBy,
      approvalRequestId,
    };
    const inline = status === "running";

    const tx = await deps.pool.connect();
    ctx.tx = tx;
    await deps.racePoint?.("execute.before_claim");
    // One round trip: the pool pipelines BEGIN, the run's row and the key's claim (sent together,
    // answered in order; if one fails, the rest fail inside the aborted transaction). An inline
    // run's row is written by `record`, once, in the state its handler ended in; its key's
    // reference to the run is checked at commit (a deferred foreign key, migration 0012).
    const [begun, inserted, claim] = sendTogether(
      tx,
      () =>
        [
          tx.query(`BEGIN; SET LOCAL lock_timeout = '${KEY_LOCK_TIMEOUT}'`),
          inline ? undefined : createRun(tx, newRun),
          claimKey(tx, {
            actorId: principal!.id,
            key: ctx.idempotencyKey!,
            action: action!.name,
            paramsHash: ctx.paramsHash!,
            runId,
          }),
        ] as const,
    );
    let claimed: boolean;
    try {
      [, ctx.run, claimed] = await Promise.all([begun, inserted, claim]);
    } catch (error) {
      if ((error as { code?: string }).code === "55P03")
        return { refuse: new AirlockError("idempotency.in_progress") };
      throw error;
    }
    if (!claimed) {
      // Another request with this key committed first: answer as it would have.
      await tx.query("ROLLBACK");
      tx.release();
      ctx.tx = undefined;
      ctx.run = undefined;
      const stored = await findKey(deps.pool, principal!.id, ctx.idempotencyKey!);
      if (!stored) return { refuse: new AirlockError("idempotency.in_progress") };
      return await replayOrRefuse(deps.pool, stored, ctx);
    }
    if (inline) ctx.inlineRun = newRun;

    if (status === "pending_approval") {
      const expiresInMs = Math.min(...enforced.map((m) => m.policy.expiresInMs));
      const created = await createApprovalRequest(tx, {
        id: approvalRequestId!,
        runId,
        action: action!.name,
        actionVersion: action!.version,
        requesterId: principal!.id,
        paramsHash: ctx.paramsHash!,
        reason: request.reason?.trim() || null,
        policies: enforced.map((m) => ({
          name: m.policy.name,
          reviewers: m.policy.reviewers,
          quorum: m.policy.quorum,
          because: m.because,
        })),
        expiresInMs,
        requestId: ctx.requestId,
      });
      ctx.approvalExpiresAt = created.expiresAt;
    } else if (status === "running") {
      ctx.outcome = await runHandler(tx, {
        action: action!,
        params: ctx.params!,
        runId,
        requestId: ctx.requestId,
        trace: request.trace ?? { requestId: ctx.requestId, traceId: runId, parentSpanId: null },
        actor: actorOf(principal!),
        idempotencyKey: `${principal!.id}:${ctx.idempotencyKey!}`,
        reason: request.reason?.trim() || null,
        attempt: 1,
        log: () => deps.log.child({ requestId: ctx.requestId, runId, action: action!.name }),
      });
    } else {
      await deps.engine.enqueue(tx, RUN_QUEUE, { runId });
    }
    return NEXT;
  },
};
