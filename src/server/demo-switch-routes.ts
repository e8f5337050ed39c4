// The demo's switches for admins (demo mode only: without stand-ins there is nothing here, 404):
// the payments provider's outage and slow answers, flipped from the UI instead of curl. Each flip
// is audited, so a demo's "the provider is down" is visible as a decision someone made.
import { type DemoSwitchView, demoSwitch, demoSwitchBody, demoSwitchList } from "../api/demo-switches.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import type { DemoSwitch } from "../sdk/define-workspace.ts";
import type { Database } from "../store/database.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export function demoSwitchRoutes(deps: {
  database: Database;
  authorizer: Authorizer;
  switches: readonly DemoSwitch[];
}) {
  const pool = deps.database.pool;
  const view = (s: DemoSwitch): DemoSwitchView => ({
    name: s.name,
    label: s.label,
    description: s.description,
    choices: s.choices.map((c) => ({ value: c.value, label: c.label })),
    current: s.current(),
  });
  const available = () => {
    if (deps.switches.length === 0)
      throw new AirlockError("request.not_found", "Demo switches exist only in demo mode.");
  };
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/admin/demo/switches",
      summary:
        "Demo mode: the stand-ins' switches (payments provider outage, slow answers) and where they stand",
      tags: ["admin"],
      auth: "principal",
      responses: { 200: { description: "The switches", schema: demoSwitchList } },
      async handler(c, { principal }) {
        available();
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        return json(c, { switches: deps.switches.map(view) });
      },
    });

    routes.add({
      method: "put",
      path: "/api/v1/admin/demo/switches/:name",
      summary: "Demo mode: set one switch to one of its choices (audited)",
      tags: ["admin"],
      auth: "principal",
      body: demoSwitchBody,
      bodyLimit: 1024,
      responses: { 200: { description: "The switch now", schema: demoSwitch } },
      async handler(c, { principal, body }) {
        available();
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        const found = deps.switches.find((s) => s.name === c.req.param("name"));
        if (!found) throw new AirlockError("request.not_found", "There is no such demo switch.");
        if (!found.choices.some((choice) => choice.value === body.value))
          throw new AirlockError(
            "admin.invalid",
            `${found.label} can be set to ${found.choices.map((choice) => `"${choice.value}"`).join(", ")}.`,
          );
        const before = found.current();
        found.set(body.value);
        await appendAudit(pool, [
          {
            type: "demo.switch_set",
            outcome: "success",
            actorId: ctx.actor.id,
            actorKind: ctx.actor.kind,
            requestId: ctx.requestId,
            data: { switch: found.name, from: before, to: body.value },
            clientIp: ctx.client.clientIp,
            userAgent: ctx.client.userAgent,
          },
        ]);
        return json(c, view(found));
      },
    });
  };
}
