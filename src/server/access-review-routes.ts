// Access reviews over HTTP: start (admins), list and read (the reviewer, admins, auditors), decide
// each member (the reviewer), sign off, cancel (admins), export as CSV or printable HTML. Every
// rule lives in src/governance/access-reviews.ts.
import { z } from "zod";
import {
  accessReview,
  accessReviewCancelBody,
  accessReviewDecisionBody,
  accessReviewExportQuery,
  accessReviewList,
  accessReviewListQuery,
  accessReviewSchedule,
  accessReviewScheduleBody,
  accessReviewScheduleList,
  accessReviewSignOffBody,
  accessReviewStartBody,
} from "../api/access-reviews.ts";
import { accessReviewCsv, accessReviewHtml } from "../governance/access-review-export.ts";
import type { AccessReviewSchedules } from "../governance/access-review-schedules.ts";
import type { AccessReviews, ReviewScope } from "../governance/access-reviews.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import type { Database } from "../store/database.ts";
import { json, type RouteTable } from "./route.ts";
import { changeContext } from "./token-routes.ts";

export function accessReviewRoutes(deps: {
  reviews: AccessReviews;
  schedules: AccessReviewSchedules;
  authorizer: Authorizer;
  database: Database;
}) {
  const base = "/api/v1/access-reviews";
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: base,
      summary:
        "Start an access review of a group, several groups, or every grant on high-risk actions, naming its reviewer (admins)",
      tags: ["governance"],
      auth: "principal",
      body: accessReviewStartBody,
      responses: { 201: { description: "The review, one item per member", schema: accessReview } },
      async handler(c, { principal, body }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, deps.database.pool, { ...ctx, route: c.req.routePath });
        return json(
          c,
          await deps.reviews.start(ctx, {
            scope: scopeOf(body),
            reviewerId: body.reviewerId,
            dueInDays: body.dueInDays,
          }),
          201,
        );
      },
    });

    routes.add({
      method: "get",
      path: base,
      summary: "Access reviews: yours to do (reviewers), or every one (admins and auditors)",
      tags: ["governance"],
      auth: "principal",
      query: accessReviewListQuery,
      responses: { 200: { description: "Newest first", schema: accessReviewList } },
      async handler(c, { principal, query }) {
        return json(c, { reviews: await deps.reviews.list(principal, query.status) });
      },
    });

    // Declared before /:id so that "schedules" is never taken for a review's id.
    routes.add({
      method: "post",
      path: `${base}/schedules`,
      summary: "Start the same access review every tick of a cadence (quarterly by default; admins)",
      tags: ["governance"],
      auth: "principal",
      body: accessReviewScheduleBody,
      responses: { 201: { description: "The recurring review", schema: accessReviewSchedule } },
      async handler(c, { principal, body }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, deps.database.pool, { ...ctx, route: c.req.routePath });
        const created = await deps.schedules.create(ctx, {
          scope: scopeOf(body),
          reviewerId: body.reviewerId,
          dueInDays: body.dueInDays,
          every: body.every,
          timeZone: body.timeZone,
        });
        return json(c, created, 201);
      },
    });

    routes.add({
      method: "get",
      path: `${base}/schedules`,
      summary: "Recurring access reviews with their next ticks (admins and auditors)",
      tags: ["governance"],
      auth: "principal",
      responses: { 200: { description: "Newest first", schema: accessReviewScheduleList } },
      async handler(c, { principal }) {
        return json(c, { schedules: await deps.schedules.list(principal) });
      },
    });

    routes.add({
      method: "post",
      path: `${base}/schedules/:id/stop`,
      summary: "Stop a recurring access review (admins); the reviews it started stay",
      tags: ["governance"],
      auth: "principal",
      responses: { 200: { description: "The stopped recurring review", schema: accessReviewSchedule } },
      async handler(c, { principal }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, deps.database.pool, { ...ctx, route: c.req.routePath });
        return json(c, await deps.schedules.stop(ctx, c.req.param("id") ?? ""));
      },
    });

    routes.add({
      method: "post",
      path: `${base}/schedules/:id/take-over`,
      summary:
        "Run a recurring access review as yourself from now on (admins), e.g. when its admin was disabled",
      tags: ["governance"],
      auth: "principal",
      responses: {
        200: { description: "The recurring review, now run as the caller", schema: accessReviewSchedule },
      },
      async handler(c, { principal }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, deps.database.pool, { ...ctx, route: c.req.routePath });
        return json(c, await deps.schedules.takeOver(ctx, c.req.param("id") ?? ""));
      },
    });

    routes.add({
      method: "get",
      path: `${base}/:id`,
      summary: "One access review with each member, their grants' last use and the decisions",
      tags: ["governance"],
      auth: "principal",
      responses: { 200: { description: "The review", schema: accessReview } },
      async handler(c, { principal }) {
        return json(c, await deps.reviews.get(principal, c.req.param("id") ?? ""));
      },
    });

    routes.add({
      method: "post",
      path: `${base}/:id/items/:userId`,
      summary: "Keep or revoke one member's access (the reviewer; an admin for the reviewer's own)",
      tags: ["governance"],
      auth: "principal",
      body: accessReviewDecisionBody,
      responses: { 200: { description: "The review after the decision", schema: accessReview } },
      async handler(c, { principal, body }) {
        return json(
          c,
          await deps.reviews.decide(
            changeContext(c, principal),
            c.req.param("id") ?? "",
            c.req.param("userId") ?? "",
            {
              decision: body.decision,
              reason: body.reason || null,
              group: body.group,
            },
          ),
        );
      },
    });

    routes.add({
      method: "post",
      path: `${base}/:id/sign-off`,
      summary: "Sign the review off: revocations go through change requests (group.remove_member)",
      tags: ["governance"],
      auth: "principal",
      body: accessReviewSignOffBody,
      responses: { 200: { description: "The signed-off review with each outcome", schema: accessReview } },
      async handler(c, { principal, body }) {
        return json(
          c,
          await deps.reviews.signOff(changeContext(c, principal), c.req.param("id") ?? "", body.note || null),
        );
      },
    });

    routes.add({
      method: "post",
      path: `${base}/:id/cancel`,
      summary: "Cancel an open access review (admins; a reason is required)",
      tags: ["governance"],
      auth: "principal",
      body: accessReviewCancelBody,
      responses: { 200: { description: "The cancelled review", schema: accessReview } },
      async handler(c, { principal, body }) {
        return json(
          c,
          await deps.reviews.cancel(changeContext(c, principal), c.req.param("id") ?? "", body.reason),
        );
      },
    });

    routes.add({
      method: "get",
      path: `${base}/:id/export`,
      summary: "Export the review as CSV or printable HTML (audited)",
      tags: ["governance"],
      auth: "principal",
      query: accessReviewExportQuery,
      responses: {
        200: {
          description: "The review as evidence",
          schema: z.string(),
          mediaTypes: ["text/csv", "text/html"],
        },
      },
      async handler(c, { principal, query }) {
        const id = c.req.param("id") ?? "";
        const review = await deps.reviews.forExport(changeContext(c, principal), id, query.format);
        c.header("Cache-Control", "no-store");
        c.header("Content-Disposition", `attachment; filename="access-review-${review.id}.${query.format}"`);
        if (query.format === "csv") {
          c.header("Content-Type", "text/csv; charset=utf-8");
          return c.body(accessReviewCsv(review));
        }
        c.header("Content-Type", "text/html; charset=utf-8");
        // The page is data only: no script may run in it, even opened from the API's origin.
        c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        return c.body(accessReviewHtml(review));
      },
    });
  };
}

/** The scope a start body names (the schema admits exactly one of the three). */
export function scopeOf(body: { group?: string | undefined; groups?: string[] | undefined }): ReviewScope {
  if (body.group !== undefined) return { kind: "groups", groups: [body.group] };
  if (body.groups !== undefined) return { kind: "groups", groups: [...new Set(body.groups)] };
  return { kind: "high_risk" };
}
