import { type ChosenReviewers, chosenReviewersOfRun, sameChoice } from "../../approval/reviewer-choice.ts";
import { AirlockError } from "../../errors/airlock-error.ts";
import { newId } from "../../ids/ids.ts";
import { paramsHash, paramsHashAs } from "../../runs/params-hash.ts";
import { getRun } from "../../runs/run-store.ts";
import { findKey, isValidKey, type StoredKey } from "../idempotency-store.ts";
import { type Keyed, type Next, type Outcome, refuse, type Validated } from "../pipeline-context.ts";

/**
 * Stage 6: Stripe's rules. Same key, same action and parameters → the first run's outcome,
 * marked replayed. Same key, anything else → `idempotency.mismatch`, nothing runs. Same key while
 * the first is still executing → `idempotency.in_progress`. Without a key, one is made for the
 * run (the handler always gets a key), but nothing can be replayed.
 *
 * Before the rest of the run, this stage checks the key and fingerprints the request; it does not
 * look the key up. `execute` claims the key in the transaction that creates the run (a unique
 * index settles races). When the claim finds the key taken, the answer is made here, after the
 * run's transaction has ended and its connection is back in the pool. Looking up first would cost
 * every request a round trip to save one on replays, which are rare.
 */
export async function idempotency(ctx: Validated, next: Next<Keyed>): Promise<Outcome> {
  const { request, action, params } = ctx;
  let key: string;
  if (request.idempotencyKey === null) key = `auto:${newId("key")}`;
  else if (isValidKey(request.idempotencyKey)) key = request.idempotencyKey;
  else return refuse(ctx, new AirlockError("idempotency.key_invalid"));
  const keyed: Keyed = {
    ...ctx,
    paramsHash: paramsHash(action.name, params, ctx.deps.paramsHashKey ?? null),
    idempotencyKey: key,
  };
  const outcome = await next(keyed);
  if (outcome.kind !== "key_taken") return outcome;
  // Another request with this key committed first: answer as it would have.
  const stored = await findKey(ctx.deps.pool, ctx.principal.id, key);
  if (!stored) return refuse(ctx, new AirlockError("idempotency.in_progress"));
  return await replayOrRefuse(stored, keyed, outcome.chosenReviewers);
}

/** Answer a request whose key is already taken: the stored run, a mismatch, or in progress. */
async function replayOrRefuse(
  stored: StoredKey,
  ctx: Keyed,
  chosenReviewers: ChosenReviewers | null,
): Promise<Outcome> {
  // A key stored before hashes were keyed is compared in its own (plain) scheme.
  const hash =
    stored.params_hash === ctx.paramsHash
      ? ctx.paramsHash
      : paramsHashAs(stored.params_hash, ctx.action.name, ctx.params, ctx.deps.paramsHashKey ?? null);
  if (stored.action !== ctx.action.name || stored.params_hash !== hash) {
    return refuse(ctx, new AirlockError("idempotency.mismatch", undefined, { runId: stored.run_id }));
  }
  // The reviewers picked are part of the request (only a held run's pick is stored; a run that
  // needed no approval ignored them, and so does its replay: `approvalPolicy` gave both null).
  if (!sameChoice(chosenReviewers, await chosenReviewersOfRun(ctx.deps.pool, stored.run_id))) {
    return refuse(
      ctx,
      new AirlockError(
        "idempotency.mismatch",
        "This Idempotency-Key was used for a request with other reviewers; use a new key for a new request.",
        { runId: stored.run_id },
      ),
    );
  }
  const run = await getRun(ctx.deps.pool, stored.run_id);
  if (!run) return refuse(ctx, new AirlockError("idempotency.in_progress"));
  if (run.status === "queued" || run.status === "running" || run.status === "approved") {
    return refuse(ctx, new AirlockError("idempotency.in_progress", undefined, { runId: run.id }));
  }
  return { kind: "run", run, replayed: true, requestId: ctx.requestId };
}
