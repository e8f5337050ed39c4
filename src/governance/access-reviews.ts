// Access reviews: an admin starts a review of a group and names its reviewer (the group's owner,
// or whoever the admin names); the reviewer sees each member with the grants the group gives them
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
import type { ChangeRequests } from "./change-requests.ts";
import { grantsOfGroup } from "./sensitivity.ts";

export interface AccessReviewDeps {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  changes: ChangeRequests;
}

export interface ReviewGrant {
  grant: string;
  verbs: string[];
  on: string;
  lastUsedAt: string | null;
}

export interface ReviewItem {
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
  group: { id: string; name: string };
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
  group_id: string;
  group_name: string;
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
      "SELECT * FROM airlock.access_review_items WHERE review_id = $1 ORDER BY user_name, user_id",
      [review.id],
    );
    return {
      id: review.id,
      group: { id: review.group_id, name: review.group_name },
      reviewer: { id: review.reviewer_id, name: review.reviewer_name, email: review.reviewer_email },
      startedBy: review.started_by,
      startedAt: review.started_at.toISOString(),
      dueAt: review.due_at.toISOString(),
      status: review.status,
      signedOffAt: iso(review.signed_off_at),
      note: review.note,
      items: items.rows.map((r) => ({
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

  /** Each member's grants through the group, with the last use of each read from the audit trail. */
  async function snapshot(db: Queryable, groupId: string, groupName: string) {
    const members = await db.query<{ id: string; name: string; email: string | null; added_at: Date }>(
      `SELECT u.id, u.name, u.email, m.added_at FROM airlock.group_members m
         JOIN airlock.users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.name, u.id`,
      [groupId],
    );
    const ids = members.rows.map((m) => m.id);
    const grants = await grantsOfGroup(workspace, authorizer, groupName);
    // Runs record the grant that allowed them (data.authorizedBy.grant.id); approvals record the
    // action approved. Both read through the actor index (audit_events_actor_idx).
    const used = await db.query<{ actor_id: string; grant: string; at: Date }>(
      `SELECT actor_id, data->'authorizedBy'->'grant'->>'id' AS grant, max(occurred_at) AS at
         FROM airlock.audit_events
        WHERE actor_id = ANY($1::text[]) AND data->'authorizedBy'->'grant'->>'id' = ANY($2::text[])
        GROUP BY 1, 2`,
      [ids, grants.map((g) => g.id)],
    );
    const approved = await db.query<{ actor_id: string; action: string; at: Date }>(
      `SELECT actor_id, action, max(occurred_at) AS at FROM airlock.audit_events
        WHERE actor_id = ANY($1::text[]) AND type = 'approval.approved' AND action IS NOT NULL
        GROUP BY 1, 2`,
      [ids],
    );
    const activity = await db.query<{ actor_id: string; at: Date }>(
      `SELECT actor_id, max(occurred_at) AS at FROM airlock.audit_events
        WHERE actor_id = ANY($1::text[]) GROUP BY 1`,
      [ids],
    );
    const covers = (grant: (typeof grants)[number], actionName: string) => {
      const action = workspace.actions.get(actionName);
      if (!action) return false;
      if (grant.on.kind === "all") return true;
      return grant.on.kind === "action"
        ? grant.on.value === action.name
        : action.tags.includes(grant.on.value);
    };
    return members.rows.map((member) => {
      const itemGrants: ReviewGrant[] = grants.map((grant) => {
        let last: Date | null = null;
        const later = (at: Date) => {
          if (!last || at > last) last = at;
        };
        for (const u of used.rows) if (u.actor_id === member.id && u.grant === grant.id) later(u.at);
        if (grant.verbs.includes("approve"))
          for (const a of approved.rows) if (a.actor_id === member.id && covers(grant, a.action)) later(a.at);
        return {
          grant: grant.id,
          verbs: [...grant.verbs],
          on: grant.on.kind === "all" ? "*" : `${grant.on.kind}:${grant.on.value}`,
          lastUsedAt: iso(last),
        };
      });
      return {
        member,
        grants: itemGrants,
        lastActivity: activity.rows.find((a) => a.actor_id === member.id)?.at ?? null,
      };
    });
  }

  return {
    async start(
      ctx: ChangeContext,
      input: { group: string; reviewerId: string; dueInDays: number },
    ): Promise<AccessReview> {
      const group = await pool.query<{ id: string; name: string }>(
        "SELECT id, name FROM airlock.groups WHERE name = $1 OR id = $1",
        [input.group],
      );
      const g = group.rows[0];
      if (!g) throw new AirlockError("admin.not_found", "There is no such group.");
      const reviewer = await pool.query<{ kind: string; status: string }>(
        "SELECT kind, status FROM airlock.users WHERE id = $1",
        [input.reviewerId],
      );
      const r = reviewer.rows[0];
      if (r?.kind !== "human" || r.status !== "active") throw new AirlockError("review.reviewer_invalid");
      const id = newId("rev");
      try {
        await inTransaction(pool, async (tx) => {
          await tx.query(
            `INSERT INTO airlock.access_reviews (id, group_id, group_name, reviewer_id, started_by, due_at, request_id)
             VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6), $7)`,
            [id, g.id, g.name, input.reviewerId, ctx.actor.id, input.dueInDays, ctx.requestId],
          );
          const items = await snapshot(tx, g.id, g.name);
          for (const item of items) {
            await tx.query(
              `INSERT INTO airlock.access_review_items
                 (review_id, user_id, user_name, user_email, member_since, grants, last_activity_at)
               VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
              [
                id,
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
                group: g.name,
                reviewerId: input.reviewerId,
                members: items.length,
                dueInDays: input.dueInDays,
              },
            ),
          ]);
        });
      } catch (error) {
        if ((error as { constraint?: string }).constraint === "access_reviews_open_group_idx")
          throw new AirlockError("review.already_open", undefined, { group: g.name });
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
      input: { decision: "keep" | "revoke"; reason: string | null },
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
        const updated = await tx.query(
          `UPDATE airlock.access_review_items SET decision = $3, reason = $4, decided_at = now()
            WHERE review_id = $1 AND user_id = $2`,
          [id, userId, input.decision, reason],
        );
        if (updated.rowCount === 0)
          throw new AirlockError("admin.not_found", "That person is not in this review.");
        await appendAudit(tx, [
          changeEvent(
            ctx,
            "access_review.decided",
            { type: "user", id: userId },
            { accessReviewId: id, group: review.group_name, decision: input.decision, reason },
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
        "SELECT * FROM airlock.access_review_items WHERE review_id = $1 ORDER BY user_id",
        [id],
      );
      const undecided = items.rows.filter((i) => i.decision === null).map((i) => i.user_name);
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
              payload: { groupId: review.group_id, userId: item.user_id, accessReviewId: id },
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
          `UPDATE airlock.access_review_items SET outcome = $3, change_request_id = $4
            WHERE review_id = $1 AND user_id = $2 AND outcome IS NULL`,
          [id, item.user_id, outcome, changeId],
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
              group: review.group_name,
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
            { group: review.group_name, reason: scrubText(reason) },
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
          { format, group: review.group_name },
        ),
      ]);
      return await view(ctx.actor, review);
    },
  };
}

export type AccessReviews = ReturnType<typeof createAccessReviews>;
