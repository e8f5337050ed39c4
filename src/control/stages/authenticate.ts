import { AirlockError } from "../../errors/airlock-error.ts";
import { type Authenticated, type Next, type Outcome, refuse, type Submitted } from "../pipeline-context.ts";

/** Stage 1: there is no anonymous path. The entry point resolved the principal; it must exist. */
export async function authenticate(ctx: Submitted, next: Next<Authenticated>): Promise<Outcome> {
  const principal = ctx.request.principal;
  if (!principal) return refuse(ctx, new AirlockError("auth.required"));
  return await next({ ...ctx, principal });
}
