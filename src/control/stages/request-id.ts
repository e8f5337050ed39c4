import { newRequestId } from "../../observe/request-id.ts";
import type { Identified, Next, Outcome, Resolved } from "../pipeline-context.ts";

/**
 * Stage 3: the run's request ID — the inbound one (HTTP's X-Request-Id or traceparent, already
 * validated by the server), or a new one for entry points without a request (schedules).
 */
export async function requestId(ctx: Resolved, next: Next<Identified>): Promise<Outcome> {
  return await next({ ...ctx, requestId: ctx.request.trace?.requestId ?? newRequestId() });
}
