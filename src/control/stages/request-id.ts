import { newRequestId } from "../../observe/request-id.ts";
import { NEXT, type Stage } from "../pipeline-context.ts";

/**
 * Stage 3: the run's request ID — the inbound one (HTTP's X-Request-Id or traceparent, already
 * validated by the server), or a new one for entry points without a request (schedules).
 */
export const requestId: Stage = {
  name: "request id",
  async run(ctx) {
    ctx.requestId = ctx.request.trace?.requestId ?? newRequestId();
    return NEXT;
  },
};
