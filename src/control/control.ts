// The control layer's front door: submit a run (through the pipeline), and execute queued runs
// on workers. Entry points (HTTP, CLI via HTTP, Slack, schedules, runbooks) call `submit`.
import { AirlockError } from "../errors/airlock-error.ts";
import { principalFromTokenId } from "../identity/api-tokens.ts";
import { credentialFence, StaleCredentials, samePrincipal } from "../identity/token-cache.ts";
import { RUN_QUEUE, type RunJob } from "../runs/run-queue.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import type { ControlDeps } from "./control-deps.ts";
import { executeQueuedRun } from "./executor.ts";
import { runPipeline } from "./pipeline.ts";
import type { LocalStart, RunRequest } from "./pipeline-context.ts";
import { createRunHandoff } from "./run-handoff.ts";

export type SubmitResult =
  | { kind: "refused"; error: AirlockError; requestId: string }
  | { kind: "run"; run: RunRow; replayed: boolean; requestId: string };

export interface Control {
  submit(request: RunRequest, options?: { waitMs?: number }): Promise<SubmitResult>;
  /** Start executing queued runs in this process. */
  startWorkers(concurrency: number): Promise<void>;
  deps: ControlDeps;
}

/**
 * The pipeline, once more if it decided on a cached principal that turned out stale (the token
 * cache hands the run route principals checked inside the run's transaction: token-cache.ts).
 * A refusal decided on one is checked too, so a group just granted is never refused from memory.
 */
async function decide(deps: ControlDeps, request: RunRequest) {
  const again = (principal: RunRequest["principal"]) =>
    principal
      ? runPipeline({ request: { ...request, principal }, deps })
      : {
          kind: "refused" as const,
          error: new AirlockError("auth.token_invalid"),
          requestId: request.trace?.requestId ?? "",
        };
  try {
    const result = await runPipeline({ request, deps });
    const fence = request.principal ? credentialFence(request.principal) : undefined;
    if (result.kind !== "refused" || !fence || !request.principal) return result;
    const fresh = await principalFromTokenId(deps.pool, request.principal.tokenId ?? "");
    if (fresh && samePrincipal(fresh, request.principal)) return result;
    fence.forget();
    return await again(fresh);
  } catch (error) {
    if (!(error instanceof StaleCredentials)) throw error;
    return await again(error.fresh);
  }
}

// With workers in this process, a run usually executes here and the executor signals the waiter
// as it commits: the first poll of the run's status (for a run executed elsewhere) comes later.
const FIRST_POLL_MS = { localWorkers: 100, none: 25 };

export function createControl(deps: ControlDeps): Control {
  let localWorkers = false;
  const handoff = createRunHandoff();
  return {
    deps,
    async submit(request, options = {}) {
      // A queued action's run is executed by this process when it has a worker free: the slot is
      // reserved now, and its job is sent held for this process (engine/held-job.ts).
      const slot =
        localWorkers && deps.workspace.actions.get(request.actionName)?.execution === "queued"
          ? deps.engine.reserve(RUN_QUEUE)
          : null;
      const local: LocalStart | null = slot ? { slot, startedBy: null } : null;
      let result: SubmitResult;
      try {
        result = await decide(deps, local ? { ...request, localSlot: local } : request);
      } catch (error) {
        slot?.release();
        throw error;
      }
      // The job sent is this run's only if the transaction that sent it is the one that committed
      // (a pipeline decided twice sends twice); the run was then created started, for us.
      const held =
        result.kind === "run" &&
        !result.replayed &&
        slot?.sent &&
        local?.startedBy &&
        (slot.sent.data as RunJob).runId === result.run.id
          ? { slot, startedBy: local.startedBy }
          : null;
      if (!held) slot?.release();
      if (result.kind === "refused" || result.replayed || (result.run.status !== "queued" && !held))
        return result;
      const waitMs = options.waitMs ?? deps.runWaitMs;
      const done = deps.waiter.wait(result.run.id, waitMs, {
        firstPollMs: localWorkers ? FIRST_POLL_MS.localWorkers : FIRST_POLL_MS.none,
      });
      const run = result.run;
      if (held) held.slot.run<RunJob>((job) => executeQueuedRun(deps, job, run, held.startedBy));
      else {
        if (localWorkers) handoff.give(run);
        deps.engine.wake(RUN_QUEUE);
      }
      // Not waiting: the run as its transaction committed it (202), whatever a worker has done since.
      if (waitMs <= 0) return result;
      // Finished or not (then the answer is 202 with its current status): the run as this
      // process's executor ended it, or read again.
      const waited = await done;
      return { ...result, run: waited.run ?? (await getRun(deps.pool, result.run.id)) ?? result.run };
    },
    async startWorkers(concurrency) {
      if (concurrency <= 0) return;
      await deps.engine.work<RunJob>(RUN_QUEUE, { concurrency }, (job) => {
        const handed = handoff.take(job.data.runId);
        // Only the job's first delivery: a later one follows a delivery that may have started the
        // run, here or in another process, and reads what that left.
        return executeQueuedRun(deps, job, job.retryCount === 0 ? handed : null);
      });
      localWorkers = true;
    },
  };
}
