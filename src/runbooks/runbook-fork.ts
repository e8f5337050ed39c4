// Where a retried runbook run's new workflow starts. The engine copies the operations before that
// point with their recorded outputs and runs the rest. Steps are matched to operations by name: a
// step's operations are named after it (`approval`, `approval.check1`, `pause.end`), except the
// engine's own (`DBOS.recv`, `DBOS.sleep`), which always sit between two named operations of the
// same step. An action step that ran inline has no operation at all: it is its own checkpoint
// (runbook-runner.ts), and a retry takes it from its row. Workflows recorded by earlier versions
// also end with `airlock.finish` or `airlock.fail`, which belong to no step.
import type pg from "pg";
import type { DurableEngine, EngineOperation } from "../engine/durable-engine.ts";
import { getSteps } from "./runbook-store.ts";

const RUNBOOK_END = new Set(["airlock.finish", "airlock.fail"]);

/**
 * The first operation not to copy: the one after the last operation of a step that came before
 * the step to run again. `steps`: every step the run recorded, and whether it came before. 0 when
 * none did.
 */
export function forkPoint(
  operations: readonly EngineOperation[],
  steps: readonly { name: string; earlier: boolean }[],
): number {
  // Longest name first: a step named `a.b` owns `a.b.check1`, not a step named `a`.
  const byLength = [...steps].sort((a, b) => b.name.length - a.name.length);
  const owner = (operation: string) =>
    RUNBOOK_END.has(operation)
      ? undefined
      : byLength.find((s) => operation === s.name || operation.startsWith(`${s.name}.`));
  let point = 0;
  for (const op of operations) if (owner(op.name)?.earlier) point = Math.max(point, op.functionId + 1);
  return point;
}

/**
 * A new workflow `newWorkflowId` that carries a runbook run's workflow on from its step
 * `fromStep`: the steps before it keep their outcomes, that step and the rest run again. A step
 * with no row (it failed before it was recorded) comes after every step that has one.
 */
export async function forkRunbookRun(
  engine: DurableEngine,
  pool: pg.Pool,
  run: { id: string; workflowId: string },
  fromStep: string,
  newWorkflowId: string,
): Promise<void> {
  const steps = await getSteps(pool, run.id);
  const from = steps.find((s) => s.name === fromStep);
  const marked = steps.map((s) => ({ name: s.name, earlier: !from || s.position < from.position }));
  const operations = await engine.operations(run.workflowId);
  await engine.fork(run.workflowId, forkPoint(operations, marked), newWorkflowId);
}
