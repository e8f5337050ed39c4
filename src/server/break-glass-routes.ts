// Break-glass: take an emergency role now (with a reason, at most 4 hours), end it, list
// elevations (admins: all, and those awaiting their post-review), and complete the post-review.
import {
  type BreakGlass,
  breakGlass,
  breakGlassBody,
  breakGlassList,
  breakGlassListQuery,
  breakGlassReviewBody,
} from "../api/governance.ts";
import {
  type BreakGlassDeps,
  type BreakGlassRow,
  endBreakGlass,
  listBreakGlass,
  reviewBreakGlass,
  startBreakGlass,
} from "../governance/break-glass.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export function breakGlassView(row: BreakGlassRow): BreakGlass {
  const ends = row.ended_at ?? row.ends_at;
  return {
    id: row.id,
    user: { id: row.user_id, name: row.user_name, email: row.user_email },
    role: row.role,
    reason: row.reason,
    requestId: row.request_id,
    startedAt: row.started_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    endedAt: row.ended_at ? row.ended_at.toISOString() : null,
    active: row.ended_at === null && ends.getTime() > Date.now(),
    review: {
      status: row.review_status,
      reviewedBy: row.reviewed_by,
      reviewedAt: row.reviewed_at ? row.reviewed_at.toISOString() : null,
      note: row.review_note,
    },
  };
}

export function breakGlassRoutes(deps: BreakGlassDeps) {
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/break-glass",
      summary:
        "Take an emergency role now, with a reason, for at most 4 hours; admins are told, and a second person reviews it afterwards",
      tags: ["governance"],
      auth: "principal",
      body: breakGlassBody,
      bodyLimit: 8 * 1024,
      responses: { 201: { description: "In force until endsAt", schema: breakGlass } },
      async handler(c, { principal, body }) {
        const row = await startBreakGlass(deps, changeContext(c, principal), body);
        return json(c, breakGlassView(row), 201);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/break-glass",
      summary:
        "Break-glass elevations: yours, or (admins) everyone's; ?review=pending lists those awaiting review",
      tags: ["governance"],
      auth: "principal",
      query: breakGlassListQuery,
      responses: { 200: { description: "Newest first", schema: breakGlassList } },
      async handler(c, { principal, query }) {
        const rows = await listBreakGlass(deps, principal, {
          ...(query.review ? { review: query.review } : {}),
          limit: query.limit,
        });
        return json(c, { elevations: rows.map(breakGlassView) });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/break-glass/:id/end",
      summary: "End an elevation now (its holder, or an admin)",
      tags: ["governance"],
      auth: "principal",
      responses: { 200: { description: "Ended", schema: breakGlass } },
      async handler(c, { principal }) {
        const row = await endBreakGlass(deps, changeContext(c, principal), c.req.param("id") ?? "");
        return json(c, breakGlassView(row));
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/break-glass/:id/review",
      summary: "Complete the post-review of an ended elevation (an admin other than its holder)",
      tags: ["governance"],
      auth: "principal",
      body: breakGlassReviewBody,
      bodyLimit: 8 * 1024,
      responses: { 200: { description: "Reviewed", schema: breakGlass } },
      async handler(c, { principal, body }) {
        const row = await reviewBreakGlass(
          deps,
          changeContext(c, principal),
          c.req.param("id") ?? "",
          body.note,
        );
        return json(c, breakGlassView(row));
      },
    });
  };
}
