// The control layer's front door: submit a run (through the pipeline), and execute queued runs
// on workers. Entry points (HTTP, CLI via HTTP, Slack, schedules, runbooks) call `submit`.
import type { AirlockError } from "../errors/airlock-error.ts";
import { RUN_QUEUE, type RunJob } from "../runs/run-queue.ts";
import { getRun, type RunRow } from "../runs/run-store.ts";
import type { ControlDeps } from "./control-deps.ts";
import { executeQueuedRun } from "./executor.ts";
import { runPipeline } from "./pipeline.ts";
import type { RunRequest } from "./pipeline-context.ts";

export type SubmitResult =
  | { kind: "refused"; error: AirlockError; requestId: string }
  | { kind: "run"; run: RunRow; replayed: boolean; requestId: string };

export interface Control {
  submit(request: RunRequest, options?: { waitMs?: number }): Promise<SubmitResult>;
  /** Start executing queued runs in this process. */
  startWorkers(concurrency: number): Promise<void>;
  deps: ControlDeps;
}

export function createControl(deps: ControlDeps): Control {
  return {
    deps,
    async submit(request, options = {}) {
      const result = await runPipeline({ request, deps });
      if (result.kind === "refused" || result.replayed || result.run.status !== "queued") return result;
      const done = deps.waiter.wait(result.run.id, options.waitMs ?? deps.runWaitMs);
      deps.engine.wake(RUN_QUEUE);
      // Finished or not (then the answer is 202 with its current status), read the run again.
      await done;
      return { ...result, run: (await getRun(deps.pool, result.run.id)) ?? result.run };
    },
    async startWorkers(concurrency) {
      if (concurrency <= 0) return;
      await deps.engine.work<RunJob>(RUN_QUEUE, { concurrency }, (job) => executeQueuedRun(deps, job));
    },
  };
}
