import { AirlockError } from "../../errors/airlock-error.ts";
import { NEXT, type Stage } from "../pipeline-context.ts";

/** Stage 2: unknown (or retired) actions end here. */
export const resolveAction: Stage = {
  name: "resolve action",
  async run(ctx) {
    const action = ctx.deps.workspace.actions.get(ctx.request.actionName);
    if (!action) return { refuse: new AirlockError("action.not_found") };
    ctx.action = action;
    return NEXT;
  },
};
