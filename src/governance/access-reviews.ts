// Access reviews: an admin starts a review of a group, of several groups, or of every grant on
// high-risk actions, and names its reviewer (the group's owner, or whoever the admin names); a
// recurring review (access-review-schedules.ts) starts one at each tick. The reviewer sees each
// member of each group with the grants the group gives them
// and when each was last used (from the audit trail), and keeps or revokes each. Signing off
// applies the revocations through change requests (`group.remove_member`: applied at once, or held
// for a second admin where the workspace asks) and freezes the review as evidence: who reviewed
// whom, when, with what outcome. Nobody reviews their own membership; an admin decides that item.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { type ChangeContext, changeEvent } from "../identity/admin-change.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import {
  type GroupRef,
  groupsOfScope,
  type ReviewGrant,
  type ReviewScope,
  takeSnapshot,
} from "./access-review-snapshot.ts";
import type { ChangeRequests } from "./change-requests.ts";

export type { ReviewGrant, ReviewScope };

export interface AccessReviewDeps {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  changes: ChangeRequests;
}

export interface ReviewItem {
  group: GroupRef;
  userId: string;
  name: string;
  email: string | null;
  memberSince: string | null;
  grants: ReviewGrant[];
  lastActivityAt: string | null;
  decision: "keep" | "revoke" | null;
  reason: string | null;
  decidedAt: string | null;
  outcome: "kept" | "removed" | "held" | "gone" | null;
  changeRequestId: string | null;
}

export interface AccessReview {
  id: string;
  scope: "groups" | "high_risk";
  groups: GroupRef[];
  scheduleId: string | null;
  reviewer: { id: string; name: string; email: string | null };
  startedBy: string;
  startedAt: string;
  dueAt: string;
  status: "open" | "signed_off" | "cancelled";
  signedOffAt: string | null;
  note: string | null;
  items: ReviewItem[];
  /** Whether the caller may decide items or sign off (they are the reviewer and it is open). */
  youReview: boolean;
}

interface ReviewRow {
  id: string;
  scope: AccessReview["scope"];
  groups: GroupRef[];
  schedule_id: string | null;
  reviewer_id: string;
  reviewer_name: string;
  reviewer_email: string | null;
  started_by: string;
  started_at: Date;
  due_at: Date;
  status: AccessReview["status"];
  signed_off_at: Date | null;
  note: string | null;
}

interface ItemRow {
  group_id: string;
  group_name: string;
  user_id: string;
  user_name: string;
  user_email: string | null;
  member_since: Date | null;
  grants: ReviewGrant[];
  last_activity_at: Date | null;
  decision: ReviewItem["decision"];
  reason: string | null;
  decided_at: Date | null;
  outcome: ReviewItem["outcome"];
  change_request_id: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function createAccessReviews(deps: AccessReviewDeps) {
  const { pool, workspace, authorizer } = deps;

  async function load(db: Queryable, id: string, forUpdate = false): Promise<ReviewRow | null> {
    const result = await db.query<ReviewRow>(
      `SELECT r.*, u.name AS reviewer_name, u.email AS reviewer_email
         FROM airlock.access_reviews r JOIN airlock.users u ON u.id = r.reviewer_id
        WHERE r.id = $1${forUpdate ? " FOR UPDATE OF r" : ""}`,
      [id],
    );
    return result.rows[0] ?? null;
  }

  async function mayRead(principal: Principal, review: ReviewRow): Promise<boolean> {
    if (review.reviewer_id === principal.id) return true;
    return (
      (await authorizer.isWorkspaceAdmin(principal)) || (await authorizer.holdsOnAll(principal, "audit"))
    );
  }

  async function visible(db: Queryable, principal: Principal, id: string, forUpdate = false) {
    const review = await load(db, id, forUpdate);
    if (!review || !(await mayRead(principal, review))) throw new AirlockError("review.not_found");
    return review;
  }

  async function view(principal: Principal, review: ReviewRow): Promise<AccessReview> {
    const items = await pool.query<ItemRow>(
      "SELECT * FROM airlock.access_review_items WHERE review_id = $1 ORDER BY group_name, user_name, user_id",
      [review.id],
    );
    return {
      id: review.id,
      scope: review.scope,
      groups: review.groups,
      scheduleId: review.schedule_id,
      reviewer: { id: review.reviewer_id, name: review.reviewer_name, email: review.reviewer_email },
      startedBy: review.started_by,
      startedAt: review.started_at.toISOString(),
      dueAt: review.due_at.toISOString(),
      status: review.status,
      signedOffAt: iso(review.signed_off_at),
      note: review.note,
      items: items.rows.map((r) => ({
        group: { id: r.group_id, name: r.group_name },
        userId: r.user_id,
        name: r.user_name,
        email: r.user_email,
        memberSince: iso(r.member_since),
        grants: r.grants,
        lastActivityAt: iso(r.last_activity_at),
        decision: r.decision,
        reason: r.reason,
        decidedAt: iso(r.decided_at),
        outcome: r.outcome,
        changeRequestId: r.change_request_id,
      })),
      youReview: review.status === "open" && review.reviewer_id === principal.id,
    };
  }

  return {
    /**
     * Starts a review of the scope. A tick of a recurring review passes `tick`: the review records
     * (schedule, tick time), unique, so a tick run again finds the review it started.
     */
    async start(
      ctx: ChangeContext,
      input: {
        scope: ReviewScope;
        reviewerId: string;
        dueInDays: number;
        tick?: { scheduleId: string; at: Date };
      },
    ): Promise<AccessReview> {
      const groups = await groupsOfScope(pool, workspace, authorizer, input.scope);
      const reviewer = await pool.query<{ kind: string; status: string }>(
        "SELECT kind, status FROM airlock.users WHERE id = $1",
        [input.reviewerId],
      );
      const r = reviewer.rows[0];
      if (r?.kind !== "human" || r.status !== "active") throw new AirlockError("review.reviewer_invalid");
      if (input.tick) {
        const earlier = await pool.query<{ id: string }>(
          "SELECT id FROM airlock.access_reviews WHERE schedule_id = $1 AND tick_at = $2",
          [input.tick.scheduleId, input.tick.at],
        );
        if (earlier.rows[0]) return await view(ctx.actor, (await load(pool, earlier.rows[0].id))!);
      }
      // One open review per group holds for one-group reviews; a wider review may overlap them (a
      // revocation already applied by the other reads "gone").
      const only = input.scope.kind === "groups" && groups.length === 1 ? groups[0]! : null;
      const id = newId("rev");
      try {
        await inTransaction(pool, async (tx) => {
          await tx.query(
            `INSERT INTO airlock.access_reviews
               (id, scope, groups, group_id, group_name, reviewer_id, started_by, due_at, request_id, schedule_id, tick_at)
             VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, now() + make_interval(days => $8), $9, $10, $11)`,
            [
              id,
              input.scope.kind,
              JSON.stringify(groups),
              only?.id ?? null,
              only?.name ?? null,
              input.reviewerId,
              ctx.actor.id,
              input.dueInDays,
              ctx.requestId,
              input.tick?.scheduleId ?? null,
              input.tick?.at ?? null,
            ],
          );
          const items = await takeSnapshot(
            tx,
            workspace,
            authorizer,
            groups,
            input.scope.kind === "high_risk",
          );
          for (const item of items) {
            await tx.query(
              `INSERT INTO airlock.access_review_items
                 (review_id, group_id, group_name, user_id, user_name, user_email, member_since, grants, last_activity_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
              [
                id,
                item.group.id,
                item.group.name,
                item.member.id,
                item.member.name,
                item.member.email,
                item.member.added_at,
                JSON.stringify(item.grants),
                item.lastActivity,
              ],
            );
          }
          await appendAudit(tx, [
            changeEvent(
              ctx,
              "access_review.started",
              { type: "access_review", id },
              {
                scope: input.scope.kind,
                groups: groups.map((g) => g.name),
                ...(only ? { group: only.name } : {}),
                reviewerId: input.reviewerId,
                members: items.length,
                dueInDays: input.dueInDays,
                ...(input.tick
                  ? { scheduleId: input.tick.scheduleId, tickAt: input.tick.at.toISOString() }
                  : {}),
              },
            ),
          ]);
        });
      } catch (error) {
        const constraint = (error as { constraint?: string }).constraint;
        if (constraint === "access_reviews_open_group_idx")
          throw new AirlockError("review.already_open", undefined, { group: only?.name });
        if (constraint === "access_reviews_schedule_tick_idx" && input.tick) {
          const earlier = await pool.query<{ id: string }>(
            "SELECT id FROM airlock.access_reviews WHERE schedule_id = $1 AND tick_at = $2",
            [input.tick.scheduleId, input.tick.at],
          );
          return await view(ctx.actor, (await load(pool, earlier.rows[0]!.id))!);
        }
        throw error;
      }
      return await view(ctx.actor, (await load(pool, id))!);
    },

    async list(principal: Principal, status: "open" | "all"): Promise<AccessReview[]> {
      const everyone =
        (await authorizer.isWorkspaceAdmin(principal)) || (await authorizer.holdsOnAll(principal, "audit"));
      const result = await pool.query<ReviewRow>(
        `SELECT r.*, u.name AS reviewer_name, u.email AS reviewer_email
           FROM airlock.access_reviews r JOIN airlock.users u ON u.id = r.reviewer_id
          WHERE ($1::boolean OR r.reviewer_id = $2) AND ($3 = 'all' OR r.status = 'open')
          ORDER BY r.started_at DESC, r.id DESC LIMIT 200`,
        [everyone, principal.id, status],
      );
      const views: AccessReview[] = [];
      for (const row of result.rows) views.push(await view(principal, row));
      return views;
    },

    async get(principal: Principal, id: string): Promise<AccessReview> {
      return await view(principal, await visible(pool, principal, id));
    },

    async decide(
      ctx: ChangeContext,
      id: string,
      userId: string,
      input: { decision: "keep" | "revoke"; reason: string | null; group?: string | undefined },
    ): Promise<AccessReview> {
      await inTransaction(pool, async (tx) => {
        const review = await visible(tx, ctx.actor, id, true);
        if (review.status !== "open") throw new AirlockError("review.closed");
        if (userId === ctx.actor.id) throw new AirlockError("review.own_access");
        // The reviewer decides every item but their own, which an admin decides.
        const ownItemOfReviewer = userId === review.reviewer_id;
        const allowed = ownItemOfReviewer
          ? await authorizer.isWorkspaceAdmin(ctx.actor)
          : review.reviewer_id === ctx.actor.id;
        if (!allowed) throw new AirlockError("review.not_reviewer");
        const reason = input.reason ? scrubText(input.reason) : null;
        // A person in two of the review's groups has an item in each: the decision names the group.
        const items = await tx.query<{ group_id: string; group_name: string }>(
          `SELECT group_id, group_name FROM airlock.access_review_items
            WHERE review_id = $1 AND user_id = $2 AND ($3::text IS NULL OR group_id = $3 OR group_name = $3)`,
          [id, userId, input.group ?? null],
        );
        if (items.rows.length === 0)
          throw new AirlockError("admin.not_found", "That person is not in this review.");
        if (items.rows.length > 1)
          throw new AirlockError(
            "admin.invalid",
            `That person is reviewed in several groups (${items.rows.map((i) => i.group_name).join(", ")}): name the group.`,
          );
        const item = items.rows[0]!;
        await tx.query(
          `UPDATE airlock.access_review_items SET decision = $4, reason = $5, decided_at = now()
            WHERE review_id = $1 AND group_id = $2 AND user_id = $3`,
          [id, item.group_id, userId, input.decision, reason],
        );
        await appendAudit(tx, [
          changeEvent(
            ctx,
            "access_review.decided",
            { type: "user", id: userId },
            { accessReviewId: id, group: item.group_name, decision: input.decision, reason },
          ),
        ]);
      });
      return await view(ctx.actor, (await load(pool, id))!);
    },

    /**
     * Signs the review off: every item decided, revocations submitted as `group.remove_member`
     * changes (each its own transaction; one interrupted sign-off resumes with the items left),
     * then the review frozen with its audit event.
     */
    async signOff(ctx: ChangeContext, id: string, rawNote: string | null): Promise<AccessReview> {
      const review = await visible(pool, ctx.actor, id);
      if (review.status !== "open") throw new AirlockError("review.closed");
      if (review.reviewer_id !== ctx.actor.id) throw new AirlockError("review.not_reviewer");
      const items = await pool.query<ItemRow>(
        "SELECT * FROM airlock.access_review_items WHERE review_id = $1 ORDER BY group_name, user_id",
        [id],
      );
      const undecided = items.rows
        .filter((i) => i.decision === null)
        .map((i) => (review.groups.length > 1 ? `${i.user_name} (${i.group_name})` : i.user_name));
      if (undecided.length > 0) throw new AirlockError("review.incomplete", undefined, { undecided });
      for (const item of items.rows) {
        if (item.decision !== "revoke" || item.outcome !== null) continue;
        let outcome: "removed" | "held" | "gone";
        let changeId: string | null = null;
        try {
          const submitted = await deps.changes.submit(
            ctx,
            {
              kind: "group.remove_member",
              payload: { groupId: item.group_id, userId: item.user_id, accessReviewId: id },
            },
            item.reason ?? `Access review ${id}`,
          );
          outcome = submitted.applied ? "removed" : "held";
          changeId = submitted.applied ? null : submitted.change.id;
        } catch (error) {
          if (
            !(error instanceof AirlockError) ||
            !["admin.not_found", "change.conflict"].includes(error.code)
          )
            throw error;
          outcome = error.code === "admin.not_found" ? "gone" : "held";
        }
        await pool.query(
          `UPDATE airlock.access_review_items SET outcome = $4, change_request_id = $5
            WHERE review_id = $1 AND group_id = $2 AND user_id = $3 AND outcome IS NULL`,
          [id, item.group_id, item.user_id, outcome, changeId],
        );
      }
      const note = rawNote ? scrubText(rawNote) : null;
      await inTransaction(pool, async (tx) => {
        const closed = await tx.query(
          `UPDATE airlock.access_reviews SET status = 'signed_off', signed_off_at = now(), note = $2
            WHERE id = $1 AND status = 'open'`,
          [id, note],
        );
        if (closed.rowCount === 0) throw new AirlockError("review.closed");
        await tx.query(
          "UPDATE airlock.access_review_items SET outcome = 'kept' WHERE review_id = $1 AND decision = 'keep'",
          [id],
        );
        const counts = await tx.query<{ outcome: string; n: number }>(
          "SELECT outcome, count(*)::int AS n FROM airlock.access_review_items WHERE review_id = $1 GROUP BY 1",
          [id],
        );
        await appendAudit(tx, [
          changeEvent(
            ctx,
            "access_review.signed_off",
            { type: "access_review", id },
            {
              groups: review.groups.map((g) => g.name),
              note,
              outcomes: Object.fromEntries(counts.rows.map((c) => [c.outcome, c.n])),
            },
          ),
        ]);
      });
      return await view(ctx.actor, (await load(pool, id))!);
    },

    async cancel(ctx: ChangeContext, id: string, reason: string): Promise<AccessReview> {
      if (!(await authorizer.isWorkspaceAdmin(ctx.actor))) throw new AirlockError("review.not_found");
      await inTransaction(pool, async (tx) => {
        const review = await visible(tx, ctx.actor, id, true);
        if (review.status !== "open") throw new AirlockError("review.closed");
        await tx.query("UPDATE airlock.access_reviews SET status = 'cancelled' WHERE id = $1", [id]);
        await appendAudit(tx, [
          changeEvent(
            ctx,
            "access_review.cancelled",
            { type: "access_review", id },
            { groups: review.groups.map((g) => g.name), reason: scrubText(reason) },
          ),
        ]);
      });
      return await view(ctx.actor, (await load(pool, id))!);
    },

    /** The review for export, with the export audited (who took evidence out, when). */
    async forExport(ctx: ChangeContext, id: string, format: "csv" | "html"): Promise<AccessReview> {
      const review = await visible(pool, ctx.actor, id);
      await appendAudit(pool, [
        changeEvent(
          ctx,
          "access_review.exported",
          { type: "access_review", id },
          { format, groups: review.groups.map((g) => g.name) },
        ),
      ]);
      return await view(ctx.actor, review);
    },
  };
}

export type AccessReviews = ReturnType<typeof createAccessReviews>;
