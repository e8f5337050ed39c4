import type pg from "pg";
import { createApprovalRequest } from "../../approval/approval-store.ts";
import { AirlockError } from "../../errors/airlock-error.ts";
import { actorOf, type Principal } from "../../identity/principal.ts";
import { newId } from "../../ids/ids.ts";
import { scrubText } from "../../pii/mask.ts";
import { createRun, refusalToKeep } from "../../runs/run-lifecycle.ts";
import { appendRunLogs } from "../../runs/run-logs.ts";
import { RUN_QUEUE } from "../../runs/run-queue.ts";
import type { NewRun } from "../../runs/run-store.ts";
import { claimKey, claimKeyOrAbort, isKeyTaken } from "../idempotency-store.ts";
import { rateLimited, refuseOverLimit, takeSlot } from "../limits.ts";
import type { Executed, InTransaction, LocalStart, Next, Outcome } from "../pipeline-context.ts";
import { refuse } from "../pipeline-context.ts";
import { runHandler } from "../run-handler.ts";

/**
 * Stage 8, in the run's transaction: claim the run's idempotency key and create the run, then one
 * of: hold it for approval (enforced policies), run the handler right here (`execution:
 * "inline"`), or enqueue it on the engine (`queued`). A key already claimed by a committed run
 * ends the run here (`idempotency` answers it once the transaction is closed).
 */
export async function execute(ctx: InTransaction, next: Next<Executed>): Promise<Outcome> {
  const { deps, action, principal, request, tx } = ctx;
  const runId = newId("run");
  const covered = request.coveredBy?.approvalRequestId ?? null;
  const held = ctx.enforced.length > 0 && covered === null;
  const inline = !held && action.execution === "inline";
  // A queued run this process has a worker free for (control.ts) is started by this transaction
  // and executed here once it commits; one with a concurrency limit or a queueing rate waits its
  // turn on the queue instead.
  const here =
    !held && !inline && action.limits.concurrency === null && action.limits.whenFull !== "queue"
      ? (request.localSlot ?? null)
      : null;
  const approvalRequestId = held ? newId("apr") : null;
  const target = action.definition.target?.(ctx.params as never) ?? null;
  // Free text: PII typed into the reason is masked before the run, approval and audit store it.
  const reason = request.reason?.trim() ? scrubText(request.reason.trim()) : null;
  const newRun: NewRun = {
    id: runId,
    action: action.name,
    actionVersion: action.version,
    status: held ? "pending_approval" : inline || here ? "running" : "queued",
    actorId: principal.id,
    onBehalfOf: request.onBehalfOf ?? null,
    channel: request.channel,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    params: ctx.params,
    paramsHash: ctx.paramsHash,
    reason,
    requestId: ctx.requestId,
    parentRequestId: request.parentRequestId ?? null,
    idempotencyKey: ctx.idempotencyKey,
    authorizedBy: ctx.authorizedBy,
    approvalRequestId: approvalRequestId ?? covered,
  };
  const claimOf = () => ({
    actorId: principal.id,
    key: ctx.idempotencyKey,
    action: action.name,
    paramsHash: ctx.paramsHash,
    runId,
  });
  const claim = (client: pg.PoolClient) => claimKey(client, claimOf());

  await deps.racePoint?.("execute.before_claim");
  const { concurrency } = action.limits;
  if (inline && request.claimWithRecord === true && concurrency === null) {
    // The claim's answer comes with the record's (transaction.ts): a taken key fails the
    // transaction, and the run is answered as a replay, or as in progress after the lock wait.
    tx.beginAhead(
      (client) => claimKeyOrAbort(client, claimOf()),
      (error) => keyTakenOutcome(ctx, error),
    );
    return await runInline(ctx, next, newRun, reason);
  }
  if (!held && !inline) {
    // Nothing runs before this transaction commits (the job does, after), so the claim's answer
    // can come with the record's: BEGIN, the run, the claim and the job go out without waiting,
    // the audit and COMMIT right behind them, one round trip in all. A taken key fails the
    // transaction, and the job rolls back with the rest.
    const unkept = refusalToKeep(deps, action, newRun);
    if (unkept) throw unkept;
    let created: Promise<Awaited<ReturnType<typeof createRun>>> | null = null;
    tx.beginAhead(
      (client) => {
        created = createRun(deps, client, { action, run: newRun, startedHere: here !== null });
        return Promise.all([
          created,
          claimKeyOrAbort(client, claimOf()),
          here ? sendHere(here, client, runId, principal) : deps.engine.enqueue(client, RUN_QUEUE, { runId }),
        ]);
      },
      (error) => keyTakenOutcome(ctx, error),
    );
    if (!created) throw new Error("the run's insert was not sent");
    return await next({ ...ctx, execution: "queued", newRun, created, startedHere: here !== null });
  }
  // An inline run, or one held for approval. One round trip: BEGIN, the held run's row and the
  // key's claim, sent together and answered in order (if one fails, the rest fail inside the
  // aborted transaction). An inline run's row is written by `record`, once, in the state its
  // handler ended in; its key's reference to the run is checked at commit (a deferred foreign
  // key, migration 0012).
  let first: readonly [Awaited<ReturnType<typeof createRun>> | null, boolean];
  try {
    first = await (inline
      ? tx.begin((client) => [null, claim(client)] as const)
      : tx.begin((client) => [createRun(deps, client, { action, run: newRun }), claim(client)] as const));
  } catch (error) {
    if ((error as { code?: string }).code === "55P03")
      return refuse(ctx, new AirlockError("idempotency.in_progress"));
    throw error;
  }
  const [run, claimed] = first;
  if (!claimed) return { kind: "key_taken", chosenReviewers: ctx.chosenReviewers };

  if (run === null) {
    // An inline run executes now or not at all: with every slot of its action taken, it is
    // refused (a queued run waits for a slot on its worker instead: executor.ts).
    if (concurrency !== null && (await takeSlot(tx.client, action.name, concurrency)) === null) {
      return await refuseOverLimit(ctx, rateLimited(action.name, "concurrency", concurrency, 1));
    }
    return await runInline(ctx, next, newRun, reason);
  }
  if (approvalRequestId === null) throw new Error("a run reached approval without a request");
  const created = await createApprovalRequest(tx.client, {
    id: approvalRequestId,
    runId,
    action: action.name,
    actionVersion: action.version,
    requesterId: principal.id,
    paramsHash: ctx.paramsHash,
    reason,
    policies: ctx.enforced.map((m) => ({
      name: m.policy.name,
      reviewers: m.policy.reviewers,
      quorum: m.policy.quorum,
      because: m.because,
    })),
    chosenReviewers: ctx.chosenReviewers,
    expiresInMs: Math.min(...ctx.enforced.map((m) => m.policy.expiresInMs)),
    requestId: ctx.requestId,
  });
  return await next({ ...ctx, execution: "held", run, approvalExpiresAt: created.expiresAt });
}

/** The run's job, held for this process, which will execute the run as `principal`. */
function sendHere(here: LocalStart, client: pg.PoolClient, runId: string, principal: Principal) {
  here.startedBy = principal;
  return here.slot.enqueue(client, { runId });
}

/** What a claim sent ahead that failed stands for: a replay, a key in use, or a real failure. */
function keyTakenOutcome(ctx: InTransaction, error: unknown): Outcome {
  if (isKeyTaken(error)) return { kind: "key_taken", chosenReviewers: ctx.chosenReviewers };
  if ((error as { code?: string }).code === "55P03")
    return refuse(ctx, new AirlockError("idempotency.in_progress"));
  throw error;
}

/** An inline run's handler, in the run's transaction; `record` writes its row as the handler ended. */
async function runInline(ctx: InTransaction, next: Next<Executed>, newRun: NewRun, reason: string | null) {
  const { deps, action, principal, request, tx } = ctx;
  const runId = newRun.id;
  const outcome = await runHandler(tx.client, {
    action,
    params: ctx.params,
    runId,
    requestId: ctx.requestId,
    trace: request.trace ?? { requestId: ctx.requestId, traceId: runId, parentSpanId: null },
    actor: actorOf(principal),
    idempotencyKey: `${principal.id}:${ctx.idempotencyKey}`,
    reason,
    attempt: 1,
    log: () => deps.log.child({ requestId: ctx.requestId, runId, action: action.name }),
    resources: deps.resources,
  });
  // Only a handler that logged costs this statement (the inline path counts its round trips).
  await appendRunLogs(tx.client, { runId, attempt: 1, requestId: ctx.requestId }, outcome.logs);
  return await next({ ...ctx, execution: "inline", newRun, outcome });
}
