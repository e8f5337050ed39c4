// Retrying a run whose outcome is unknown (a call to another system may have taken effect and no
// answer says whether it did) with the run's own idempotency key: the same request again, so the
// other system answers what it did the first time instead of doing it twice. The server sends
// the stored parameters (the person never retypes them, and masked values are sent as they were,
// not as shown). Only the requester may: the key is theirs.
import type { Control } from "../control/control.ts";
import type { RunRequest } from "../control/pipeline-context.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { canSeeRunOf } from "../runs/run-access.ts";
import { getRun } from "../runs/run-store.ts";
import { executionParams } from "../runs/run-values.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { runResponses, submitResponse } from "./action-routes.ts";
import type { RouteTable } from "./route.ts";

export interface RunRetryRoutesDeps {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  database: Database;
  keyring: Keyring | null;
  control: Control;
}

const CHANNELS = new Set(["web", "cli", "api"]);

export function runRetryRoutes(deps: RunRetryRoutesDeps) {
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/runs/:id/retry",
      summary: "Retry a run whose outcome is unknown, with its own idempotency key (the requester only)",
      tags: ["runs"],
      auth: "principal",
      responses: runResponses,
      async handler(c, { principal }) {
        const run = await getRun(deps.database.pool, c.req.param("id") ?? "");
        if (!run || !(await canSeeRunOf(deps.authorizer, deps.workspace, principal, run)))
          throw new AirlockError("run.not_found");
        if (run.actor_id !== principal.id)
          throw new AirlockError(
            "permission.denied",
            "Only the person who requested this run can retry it with its key (the key is theirs); run the action yourself instead.",
          );
        const unknown = run.status === "failed" && run.error_details?.outcomeUnknown === true;
        if (!unknown)
          throw new AirlockError(
            "run.not_retryable",
            run.status === "failed"
              ? "This run failed with a known outcome: nothing to complete with its key. Run the action again instead."
              : `This run is ${run.status.replace("_", " ")}: only a run whose outcome is unknown is retried with its key.`,
            { runId: run.id, status: run.status },
          );
        if (run.idempotency_key === null)
          throw new AirlockError(
            "run.not_retryable",
            "This run was requested without an idempotency key, so no retry can be recognized as the same request. Check the other system before running it again.",
            { runId: run.id, status: run.status },
          );
        const channel = c.req.header("x-airlock-client");
        const request: RunRequest = {
          channel: channel && CHANNELS.has(channel) ? (channel as RunRequest["channel"]) : "api",
          principal,
          actionName: run.action,
          params: executionParams(deps.keyring, run) as Record<string, unknown>,
          idempotencyKey: run.idempotency_key,
          reason: run.reason,
          trace: c.get("trace"),
          client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        };
        return submitResponse(c, deps.workspace, await deps.control.submit(request));
      },
    });
  };
}
