// The control layer as one ordered list. Every entry point — API, web UI, CLI, Slack, schedules,
// runbook steps — submits runs through `runPipeline`, and so through these stages, in this order.
// Stages compose like hono's middleware: each receives the context and `next` (the rest of the
// list), passes a richer context to `next` or ends the run with an outcome. `transaction` wraps
// the stages after it, so the run's transaction has one scope.
import { inSpan } from "../observe/tracing.ts";
import type { Answered, Next, Outcome, Refused, Submitted } from "./pipeline-context.ts";
import { approvalPolicy } from "./stages/approval-policy.ts";
import { authenticate } from "./stages/authenticate.ts";
import { authorize } from "./stages/authorize.ts";
import { execute } from "./stages/execute.ts";
import { idempotency } from "./stages/idempotency.ts";
import { rateLimit } from "./stages/rate-limit.ts";
import { record } from "./stages/record.ts";
import { requestId } from "./stages/request-id.ts";
import { resolveAction } from "./stages/resolve-action.ts";
import { transaction } from "./stages/transaction.ts";
import { validate } from "./stages/validate.ts";

export const STAGES = [
  authenticate,
  resolveAction,
  requestId,
  authorize,
  validate,
  idempotency,
  approvalPolicy,
  rateLimit,
  transaction,
  execute,
  record,
] as const;

/**
 * `true` when each stage takes the context the stage before it passes on; `never` (a type error
 * below) when a stage would read what an earlier one may not have set.
 */
export type Chained<S extends readonly unknown[]> = S extends readonly [infer A, infer B, ...infer Rest]
  ? [PassesOn<A>] extends [TakesIn<B>]
    ? Chained<[B, ...Rest]>
    : never
  : true;
type TakesIn<S> = S extends (ctx: infer In, ...rest: never[]) => unknown ? In : never;
type PassesOn<S> = S extends (ctx: never, next: Next<infer Out>) => unknown ? Out : never;

const chained: Chained<typeof STAGES> = true;
void chained;

type AnyStage = (ctx: never, next: never) => Promise<unknown>;

/**
 * The stages as one function; `last` is the `next` of the last stage. A stage that calls `next`
 * twice would run the rest of the run twice: that is a bug, and it throws.
 */
export function compose<R>(
  stages: readonly AnyStage[],
  last: (ctx: unknown) => Promise<R>,
): (ctx: unknown) => Promise<Outcome | R> {
  return (ctx) => {
    let reached = -1;
    const dispatch = (i: number, context: unknown): Promise<Outcome | R> => {
      if (i <= reached) throw new Error(`stage ${stages[i - 1]?.name} called next twice`);
      reached = i;
      const stage = stages[i] as
        | ((ctx: unknown, next: (ctx: unknown) => Promise<unknown>) => Promise<Outcome>)
        | undefined;
      if (stage === undefined) return last(context);
      // A stage's span holds the stages after it, as its `next` does (the trace shows the nesting).
      return inSpan(`stage ${stage.name}`, {}, () => stage(context, (richer) => dispatch(i + 1, richer)));
    };
    return dispatch(0, ctx);
  };
}

const run = compose(STAGES, async () => {
  throw new Error("the last stage passed the run on: nothing records it");
});

export async function runPipeline(ctx: Submitted): Promise<Refused | Answered> {
  const outcome = await run(ctx);
  if (outcome.kind === "refused" || outcome.kind === "run") return outcome;
  throw new Error(`the pipeline ended with "${outcome.kind}": no stage answered it`);
}
