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
      const provisional = request.trace?.requestId ?? "";
      const ctx = { request, deps, requestId: provisional };
      const result = await runPipeline(ctx);
      if (result.kind === "refused")
        return { kind: "refused", error: result.error, requestId: ctx.requestId };
      let run = result.run;
      if (!result.replayed && run.status === "queued") {
        const done = deps.waiter.wait(run.id, options.waitMs ?? deps.runWaitMs);
        deps.engine.wake(RUN_QUEUE);
        if (await done) run = (await getRun(deps.pool, run.id)) ?? run;
        else run = (await getRun(deps.pool, run.id)) ?? run;
      }
      return { kind: "run", run, replayed: result.replayed, requestId: ctx.requestId };
    },
    async startWorkers(concurrency) {
      if (concurrency <= 0) return;
      await deps.engine.work<RunJob>(RUN_QUEUE, { concurrency }, (job) => executeQueuedRun(deps, job));
    },
  };
}
