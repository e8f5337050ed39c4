// Approval policies: their effective modes, the monitoring report, and mode changes by an
// action's admin. The rules are in src/approval/policy-admin.ts; these routes translate HTTP.

import { changeRequested } from "../api/governance.ts";
import {
  modeBody,
  modeChange,
  policyList,
  policyReport,
  policyReportQuery,
  whatIfBody,
  whatIfReport,
} from "../api/policies.ts";
import type { ApprovalDeps } from "../approval/approval-deps.ts";
import { listPolicies, reportPolicies, resolvePolicyChange } from "../approval/policy-admin.ts";
import { policyWhatIf } from "../approval/policy-what-if.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ChangeRequests } from "../governance/change-requests.ts";
import { answerChange } from "./governance-routes.ts";
import { json, type RouteTable } from "./route.ts";

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 731;

export function policyRoutes(
  deps: Pick<ApprovalDeps, "workspace" | "authorizer" | "pool" | "policyModes" | "keyring"> & {
    changes: ChangeRequests;
  },
) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/policies",
      summary: "Approval policies of the actions you administer or audit, with their effective mode",
      tags: ["policies"],
      auth: "principal",
      responses: { 200: { description: "The policies", schema: policyList } },
      async handler(c, { principal }) {
        return json(c, await listPolicies(deps, principal));
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/policies/report",
      summary: "Per policy and period: runs that would have been gated, and how gated requests ended",
      tags: ["policies"],
      auth: "principal",
      query: policyReportQuery,
      responses: { 200: { description: "The report", schema: policyReport } },
      async handler(c, { principal, query }) {
        const to = query.to ? new Date(query.to) : new Date();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
        if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS)
          throw new AirlockError(
            "request.invalid_query",
            `The period may span at most ${MAX_RANGE_DAYS} days.`,
          );
        return json(c, await reportPolicies(deps, principal, { from, to, interval: query.interval }));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/policies/:name/mode",
      summary:
        "Switch a policy between enforce and monitor (admin of the action; a second admin approves the change request)",
      tags: ["policies"],
      auth: "principal",
      body: modeBody,
      responses: {
        200: { description: "The mode now in force, and whether it changed", schema: modeChange },
        202: { description: "Held as a change request for a second admin", schema: changeRequested },
      },
      async handler(c, { principal, body }) {
        const input = {
          principal,
          name: c.req.param("name") ?? "",
          action: body.action,
          mode: body.mode,
          reason: body.reason,
          requestId: c.get("requestId"),
          client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
        };
        const { action, policy } = await resolvePolicyChange(deps, input);
        const outcome = await deps.changes.submit(
          { actor: principal, requestId: input.requestId, client: input.client },
          {
            kind: "policy.mode",
            payload: { action: action.name, policy: policy.name, mode: body.mode, reason: body.reason },
          },
          body.reason,
        );
        return answerChange(c, outcome, (result) => json(c, result));
      },
    });
    routes.add({
      method: "post",
      path: "/api/v1/policies/:name/what-if",
      summary:
        "Replay the last N days of the action's runs against a draft of the policy (admin or audit on the action; changes nothing)",
      tags: ["policies"],
      auth: "principal",
      body: whatIfBody,
      responses: { 200: { description: "What the draft would have changed", schema: whatIfReport } },
      async handler(c, { principal, body }) {
        return json(
          c,
          await policyWhatIf(deps, {
            principal,
            name: c.req.param("name") ?? "",
            action: body.action,
            days: body.days,
            draft: body.draft,
            requestId: c.get("requestId"),
            client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
          }),
        );
      },
    });
  };
}
