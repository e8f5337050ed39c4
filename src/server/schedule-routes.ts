// Schedules over HTTP: the list (next ticks, last runs, paused) and an admin's pause and resume.
// Every check is in schedules/schedules.ts; this file declares the contract (src/api/schedules.ts).
import { pauseScheduleBody, scheduleList, scheduleView } from "../api/schedules.ts";
import type { Schedules } from "../schedules/schedules.ts";
import { json, type RouteTable } from "./route.ts";

export function scheduleRoutes(deps: { schedules: Schedules }) {
  const { schedules } = deps;
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/schedules",
      summary: "Schedules whose action or runbook you may see: next ticks, last runs, paused",
      tags: ["schedules"],
      auth: "principal",
      responses: { 200: { description: "The schedules", schema: scheduleList } },
      async handler(c, { principal }) {
        return json(c, { schedules: await schedules.list(principal) });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/schedules/:name/pause",
      summary: "Admin: pause a schedule (its ticks start nothing until resumed); audited",
      tags: ["schedules"],
      auth: "principal",
      body: pauseScheduleBody,
      responses: { 200: { description: "The schedule, paused", schema: scheduleView } },
      async handler(c, { principal, body }) {
        const view = await schedules.pause(
          principal,
          c.req.param("name") ?? "",
          body.reason ?? null,
          c.get("requestId"),
        );
        return json(c, view);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/schedules/:name/resume",
      summary: "Admin: resume a paused schedule (ticks missed while paused are skipped); audited",
      tags: ["schedules"],
      auth: "principal",
      responses: { 200: { description: "The schedule, running again", schema: scheduleView } },
      async handler(c, { principal }) {
        return json(c, await schedules.resume(principal, c.req.param("name") ?? "", c.get("requestId")));
      },
    });
  };
}
