// Who takes a run over once its approval completes. The lifecycle moves the run to `approved`
// and hands it to its owner, which decides what "next" means: the action queue (below) queues it
// for a worker; a runbook step or a bulk batch will resume their own flow instead.
import type { Queryable } from "../store/queryable.ts";
import { queueApprovedRun } from "./run-lifecycle.ts";
import { RUN_QUEUE } from "./run-queue.ts";
import type { RunRow } from "./run-store.ts";

/** Called after the caller's COMMIT (e.g. wake a local worker); never before. */
export type AfterCommit = () => void;

export interface RunOwner {
  name: string;
  /** The run is `approved` in the caller's transaction: take it over, in that transaction. */
  approved(db: Queryable, run: RunRow): Promise<AfterCommit>;
}

/** The engine's enqueue and wake, structurally (runs sit below the engine). */
export interface JobQueue {
  enqueue(db: Queryable, queue: string, data: object): Promise<unknown>;
  wake(queue: string): void;
}

/**
 * The owner of runs submitted through the control layer: approved → queued, and a job for a
 * worker in the same transaction, so the job exists if and only if the approval committed.
 */
export function actionQueueOwner(queue: JobQueue): RunOwner {
  return {
    name: "action-queue",
    async approved(db, run) {
      await queueApprovedRun(db, run);
      await queue.enqueue(db, RUN_QUEUE, { runId: run.id });
      return () => queue.wake(RUN_QUEUE);
    },
  };
}
