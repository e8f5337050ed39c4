// The control layer as one ordered list. Every entry point — API, web UI, CLI, Slack, schedules,
// runbook steps — submits runs through `runPipeline`, and so through these stages, in this order.
// A stage passes the context on, refuses with an error code, or ends early (a replay).
import type { AirlockError } from "../errors/airlock-error.ts";
import type { RunRow } from "../runs/run-store.ts";
import type { PipelineContext, Stage } from "./pipeline-context.ts";
import { approvalPolicy } from "./stages/approval-policy.ts";
import { authenticate } from "./stages/authenticate.ts";
import { authorize } from "./stages/authorize.ts";
import { execute } from "./stages/execute.ts";
import { idempotency } from "./stages/idempotency.ts";
import { record } from "./stages/record.ts";
import { requestId } from "./stages/request-id.ts";
import { resolveAction } from "./stages/resolve-action.ts";
import { validate } from "./stages/validate.ts";

export const STAGES: readonly Stage[] = [
  authenticate,
  resolveAction,
  requestId,
  authorize,
  validate,
  idempotency,
  approvalPolicy,
  execute,
  record,
];

export type PipelineResult =
  | { kind: "refused"; error: AirlockError; stage: string }
  | { kind: "run"; run: RunRow; replayed: boolean };

export async function runPipeline(
  ctx: PipelineContext,
  stages: readonly Stage[] = STAGES,
): Promise<PipelineResult> {
  try {
    for (const stage of stages) {
      const result = await stage.run(ctx);
      if ("refuse" in result) return { kind: "refused", error: result.refuse, stage: stage.name };
      if ("done" in result) break;
    }
    if (ctx.replayed) return { kind: "run", run: ctx.replayed, replayed: true };
    if (!ctx.run) throw new Error("the pipeline ended without a run");
    return { kind: "run", run: ctx.run, replayed: false };
  } finally {
    // A stage that threw (or refused) with the transaction open: nothing of this run commits.
    if (ctx.tx) {
      const tx = ctx.tx;
      ctx.tx = undefined;
      let broken = false;
      await tx.query("ROLLBACK").catch(() => {
        broken = true;
      });
      tx.release(broken);
    }
  }
}
