import { AirlockError } from "../../errors/airlock-error.ts";
import { NEXT, type Stage } from "../pipeline-context.ts";

/** Stage 1: there is no anonymous path. The entry point resolved the principal; it must exist. */
export const authenticate: Stage = {
  name: "authenticate",
  async run(ctx) {
    const principal = ctx.request.principal;
    if (!principal) return { refuse: new AirlockError("auth.required") };
    ctx.principal = principal;
    return NEXT;
  },
};
