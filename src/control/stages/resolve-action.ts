import { AirlockError } from "../../errors/airlock-error.ts";
import { type Authenticated, type Next, type Outcome, type Resolved, refuse } from "../pipeline-context.ts";

/** Stage 2: unknown (or retired) actions end here. */
export async function resolveAction(ctx: Authenticated, next: Next<Resolved>): Promise<Outcome> {
  const action = ctx.deps.workspace.actions.get(ctx.request.actionName);
  if (!action) return refuse(ctx, new AirlockError("action.not_found"));
  return await next({ ...ctx, action });
}
