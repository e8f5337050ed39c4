import { AirlockError } from "../../errors/airlock-error.ts";
import { newId } from "../../ids/ids.ts";
import { paramsHash } from "../../runs/params-hash.ts";
import { getRun } from "../../runs/run-store.ts";
import type { Queryable } from "../../store/queryable.ts";
import { isValidKey, type StoredKey } from "../idempotency-store.ts";
import { NEXT, type PipelineContext, type Stage, type StageResult } from "../pipeline-context.ts";

/**
 * Stage 6: Stripe's rules. Same key, same action and parameters → the first run's outcome,
 * marked replayed. Same key, anything else → `idempotency.mismatch`, nothing runs. Same key while
 * the first is still executing → `idempotency.in_progress`. Without a key, one is made for the
 * run (the handler always gets a key), but nothing can be replayed.
 *
 * This stage checks the key and fingerprints the request; it does not look the key up. `execute`
 * claims the key in the transaction that creates the run (a unique index settles races) and, when
 * the claim finds the key taken, answers with `replayOrRefuse` below. Looking up first would cost
 * every request a round trip to save one on replays, which are rare.
 */
export const idempotency: Stage = {
  name: "idempotency",
  async run(ctx) {
    const { request, action, params } = ctx;
    ctx.paramsHash = paramsHash(action!.name, params);
    if (request.idempotencyKey === null) {
      ctx.idempotencyKey = `auto:${newId("key")}`;
      return NEXT;
    }
    if (!isValidKey(request.idempotencyKey)) return { refuse: new AirlockError("idempotency.key_invalid") };
    ctx.idempotencyKey = request.idempotencyKey;
    return NEXT;
  },
};

/** Answer a request whose key is already taken: the stored run, a mismatch, or in progress. */
export async function replayOrRefuse(
  db: Queryable,
  stored: StoredKey,
  ctx: PipelineContext,
): Promise<StageResult> {
  if (stored.action !== ctx.action!.name || stored.params_hash !== ctx.paramsHash) {
    return { refuse: new AirlockError("idempotency.mismatch", undefined, { runId: stored.run_id }) };
  }
  const run = await getRun(db, stored.run_id);
  if (!run) return { refuse: new AirlockError("idempotency.in_progress") };
  if (run.status === "queued" || run.status === "running" || run.status === "approved") {
    return { refuse: new AirlockError("idempotency.in_progress", undefined, { runId: run.id }) };
  }
  ctx.replayed = run;
  return { done: true };
}
