// Recurring access reviews: an admin asks for the same review (its scope, reviewer and time to
// complete) every tick of a cron — quarterly by default, what PCI DSS 7.2.4 asks of user accounts
// (every six months) and SOC 2 auditors expect at least. Ticks come from the durable engine's
// scheduler (DBOS), like the workspace's schedules: each recurring review is a DBOS schedule named
// `access-review.<id>`, a tick is one workflow per (schedule, tick time) across every process, and
// its one step starts the review recording (schedule, tick), unique — so a step run again after a
// crash finds the review it started rather than starting a second.
//
// DBOS runs in a process when it has runbooks, schedules, or recurring reviews at its start, or
// once an admin creates one there; every such process registers the tick body, so whichever runs
// a tick can start its review.

import { CronExpressionParser } from "cron-parser";
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { acquireDurableEngine, type DurableEngine } from "../engine/durable-engine.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { type ChangeContext, changeEvent } from "../identity/admin-change.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import type { Log } from "../observe/logger.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { groupsOfScope, type ReviewScope } from "./access-review-snapshot.ts";
import type { AccessReviews } from "./access-reviews.ts";

/** Named cadences; anything else is a 5-field cron. 09:00 on the first day of the period. */
export const CADENCES: Record<string, string> = {
  monthly: "0 9 1 * *",
  quarterly: "0 9 1 1,4,7,10 *",
  "half-yearly": "0 9 1 1,7 *",
  yearly: "0 9 1 1 *",
};

const TICK_KIND = "access-review";
const DAY_MS = 86_400_000;
const NEXT_TICKS = 3;

export interface AccessReviewScheduleView {
  id: string;
  scope: "groups" | "high_risk";
  groups: string[];
  reviewer: { id: string; name: string };
  cron: string;
  timeZone: string;
  dueInDays: number;
  createdBy: string;
  createdAt: string;
  status: "active" | "stopped";
  nextTicks: string[];
  lastReviewId: string | null;
  runsAs: { id: string; name: string; active: boolean };
  stalled: boolean;
  lastRefusal: { code: string; at: string } | null;
}

interface ScheduleRow {
  id: string;
  scope: "groups" | "high_risk";
  groups: string[];
  reviewer_id: string;
  reviewer_name: string;
  cron: string;
  time_zone: string;
  due_in_days: number;
  created_by: string;
  created_at: Date;
  status: "active" | "stopped";
  last_review_id: string | null;
  runs_as: string;
  runs_as_name: string;
  runs_as_status: string;
  last_refused_code: string | null;
  last_refused_at: Date | null;
}

export interface AccessReviewScheduleDeps {
  pool: pg.Pool;
  databaseUrl: string;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  reviews: AccessReviews;
  log: Log;
  /** The shortest time between two ticks: a day; a test sets seconds (6-field crons). */
  minimumTickMs?: number;
}

const engineName = (id: string) => `${TICK_KIND}.${id}`;

const SELECT = `SELECT s.*, u.name AS reviewer_name, o.name AS runs_as_name, o.status AS runs_as_status,
       (SELECT r.id FROM airlock.access_reviews r WHERE r.schedule_id = s.id
         ORDER BY r.tick_at DESC LIMIT 1) AS last_review_id
  FROM airlock.access_review_schedules s JOIN airlock.users u ON u.id = s.reviewer_id
  JOIN airlock.users o ON o.id = s.runs_as`;

function nextTicks(cron: string, timeZone: string, from: Date, count: number): Date[] {
  const parsed = CronExpressionParser.parse(cron, { tz: timeZone, currentDate: from });
  return Array.from({ length: count }, () => parsed.next().toDate());
}

export async function createAccessReviewSchedules(deps: AccessReviewScheduleDeps) {
  const { pool, log } = deps;
  const minimumTickMs = deps.minimumTickMs ?? DAY_MS;
  let engine: DurableEngine | null = null;

  async function tick(tickAt: Date, context: unknown): Promise<void> {
    const { scheduleId } = context as { scheduleId: string };
    await engine!.step("start", async () => {
      const row = (await pool.query<ScheduleRow>(`${SELECT} WHERE s.id = $1`, [scheduleId])).rows[0];
      if (row?.status !== "active") return { started: null };
      const requestId = `areview:${scheduleId}:${tickAt.toISOString()}`;
      const refused = async (code: string, message: string) => {
        await pool.query(
          "UPDATE airlock.access_review_schedules SET last_refused_code = $2, last_refused_at = now() WHERE id = $1",
          [scheduleId, code],
        );
        await appendAudit(pool, [
          {
            type: "access_review.tick_refused",
            outcome: "denied",
            actorId: row.runs_as,
            actorKind: "human",
            targetType: "access_review_schedule",
            targetId: scheduleId,
            requestId,
            errorCode: code,
            data: { tickAt: tickAt.toISOString(), message },
          },
        ]);
        log.warn({ scheduleId, tickAt, code }, "a recurring access review's tick was refused");
        return { started: null, refused: code };
      };
      // The review is started in the name of the admin the schedule runs as (who set it up, or
      // took it over); disabled, the tick is refused and recorded, and the list shows the schedule
      // stalled until another admin takes it over.
      const actor: Principal | null = await loadPrincipal(pool, row.runs_as, "session");
      if (!actor)
        return await refused(
          "review.schedule_stalled",
          "The admin this recurring review runs as is disabled; another admin takes it over.",
        );
      try {
        const review = await deps.reviews.start(
          { actor, requestId, client: { clientIp: null, userAgent: "airlock-schedule" } },
          {
            scope: scopeOfRow(row),
            reviewerId: row.reviewer_id,
            dueInDays: row.due_in_days,
            tick: { scheduleId, at: tickAt },
          },
        );
        await pool.query(
          "UPDATE airlock.access_review_schedules SET last_refused_code = NULL, last_refused_at = NULL WHERE id = $1",
          [scheduleId],
        );
        return { started: review.id };
      } catch (error) {
        if (error instanceof AirlockError) return await refused(error.code, error.message);
        throw error;
      }
    });
  }

  // One acquisition however many creations race for it.
  let acquiring: Promise<DurableEngine> | null = null;
  function ensureEngine(): Promise<DurableEngine> {
    acquiring ??= acquireDurableEngine({ url: deps.databaseUrl, log, workflows: {} }).then((acquired) => {
      acquired.schedules.onTick(tick, TICK_KIND);
      engine = acquired;
      return acquired;
    });
    return acquiring;
  }

  const active = await pool.query<{ id: string; cron: string; time_zone: string }>(
    "SELECT id, cron, time_zone FROM airlock.access_review_schedules WHERE status = 'active'",
  );
  if (active.rows.length > 0 || deps.workspace.schedules.size > 0 || deps.workspace.runbooks.size > 0) {
    const running = await ensureEngine();
    for (const row of active.rows)
      await running.schedules.upsert({
        name: engineName(row.id),
        cron: row.cron,
        timeZone: row.time_zone,
        context: { kind: TICK_KIND, scheduleId: row.id },
      });
  }

  function view(row: ScheduleRow): AccessReviewScheduleView {
    return {
      id: row.id,
      scope: row.scope,
      groups: row.groups,
      reviewer: { id: row.reviewer_id, name: row.reviewer_name },
      cron: row.cron,
      timeZone: row.time_zone,
      dueInDays: row.due_in_days,
      createdBy: row.created_by,
      createdAt: row.created_at.toISOString(),
      status: row.status,
      nextTicks:
        row.status === "active"
          ? nextTicks(row.cron, row.time_zone, new Date(), NEXT_TICKS).map((d) => d.toISOString())
          : [],
      lastReviewId: row.last_review_id,
      runsAs: { id: row.runs_as, name: row.runs_as_name, active: row.runs_as_status === "active" },
      stalled: row.status === "active" && row.runs_as_status !== "active",
      lastRefusal:
        row.last_refused_code && row.last_refused_at
          ? { code: row.last_refused_code, at: row.last_refused_at.toISOString() }
          : null,
    };
  }

  async function mayRead(principal: Principal): Promise<boolean> {
    return (
      (await deps.authorizer.isWorkspaceAdmin(principal)) ||
      (await deps.authorizer.holdsOnAll(principal, "audit"))
    );
  }

  return {
    /** Admins (the route checks): a recurring review of the scope, reviewer and due time. */
    async create(
      ctx: ChangeContext,
      input: { scope: ReviewScope; reviewerId: string; dueInDays: number; every: string; timeZone: string },
    ): Promise<AccessReviewScheduleView> {
      const cron = CADENCES[input.every] ?? input.every;
      let ticks: Date[];
      try {
        ticks = nextTicks(cron, input.timeZone, new Date(), 2);
      } catch {
        throw new AirlockError(
          "review.schedule_invalid",
          `"${input.every}" in ${input.timeZone} is neither a cadence (${Object.keys(CADENCES).join(", ")}) nor a 5-field cron in a known time zone.`,
        );
      }
      if (ticks[1]!.getTime() - ticks[0]!.getTime() < minimumTickMs)
        throw new AirlockError("review.schedule_invalid", "A recurring review ticks at most once a day.");
      // Checked now, so a schedule that could never start a review is refused to the admin.
      await groupsOfScope(pool, deps.workspace, deps.authorizer, input.scope);
      const reviewer = await pool.query<{ kind: string; status: string }>(
        "SELECT kind, status FROM airlock.users WHERE id = $1",
        [input.reviewerId],
      );
      const r = reviewer.rows[0];
      if (r?.kind !== "human" || r.status !== "active") throw new AirlockError("review.reviewer_invalid");
      const id = newId("arsch");
      const groups = input.scope.kind === "groups" ? input.scope.groups : [];
      await inTransaction(pool, async (tx) => {
        await tx.query(
          `INSERT INTO airlock.access_review_schedules
             (id, scope, groups, reviewer_id, cron, time_zone, due_in_days, created_by, runs_as)
           VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $8)`,
          [
            id,
            input.scope.kind,
            JSON.stringify(groups),
            input.reviewerId,
            cron,
            input.timeZone,
            input.dueInDays,
            ctx.actor.id,
          ],
        );
        await appendAudit(tx, [
          changeEvent(
            ctx,
            "access_review.scheduled",
            { type: "access_review_schedule", id },
            {
              scope: input.scope.kind,
              groups,
              reviewerId: input.reviewerId,
              cron,
              timeZone: input.timeZone,
              dueInDays: input.dueInDays,
            },
          ),
        ]);
      });
      const running = await ensureEngine();
      await running.schedules.upsert({
        name: engineName(id),
        cron,
        timeZone: input.timeZone,
        context: { kind: TICK_KIND, scheduleId: id },
      });
      return view((await pool.query<ScheduleRow>(`${SELECT} WHERE s.id = $1`, [id])).rows[0]!);
    },

    async list(principal: Principal): Promise<AccessReviewScheduleView[]> {
      if (!(await mayRead(principal))) return [];
      const rows = await pool.query<ScheduleRow>(`${SELECT} ORDER BY s.created_at DESC, s.id DESC LIMIT 200`);
      return rows.rows.map(view);
    },

    /** Admins (the route checks): no further ticks; the reviews it started stay. */
    async stop(ctx: ChangeContext, id: string): Promise<AccessReviewScheduleView> {
      await inTransaction(pool, async (tx) => {
        const stopped = await tx.query(
          `UPDATE airlock.access_review_schedules SET status = 'stopped', stopped_by = $2, stopped_at = now()
            WHERE id = $1 AND status = 'active'`,
          [id, ctx.actor.id],
        );
        if (stopped.rowCount === 0) {
          const exists = await tx.query("SELECT 1 FROM airlock.access_review_schedules WHERE id = $1", [id]);
          if (exists.rowCount === 0) throw new AirlockError("review.schedule_not_found");
          return;
        }
        await appendAudit(tx, [
          changeEvent(ctx, "access_review.schedule_stopped", { type: "access_review_schedule", id }, {}),
        ]);
      });
      // Every process's loop drops it at its next poll; a tick already fired finds it stopped.
      if (engine) await engine.schedules.remove(engineName(id));
      return view((await pool.query<ScheduleRow>(`${SELECT} WHERE s.id = $1`, [id])).rows[0]!);
    },

    /**
     * Admins (the route checks): the schedule's ticks run as the caller from now on — how a
     * schedule whose admin was disabled starts reviews again. Audited with the admin it ran as.
     */
    async takeOver(ctx: ChangeContext, id: string): Promise<AccessReviewScheduleView> {
      await inTransaction(pool, async (tx) => {
        const row = (
          await tx.query<{ status: string; runs_as: string }>(
            "SELECT status, runs_as FROM airlock.access_review_schedules WHERE id = $1 FOR UPDATE",
            [id],
          )
        ).rows[0];
        if (!row) throw new AirlockError("review.schedule_not_found");
        if (row.status !== "active") throw new AirlockError("review.schedule_stopped");
        if (row.runs_as === ctx.actor.id) return;
        await tx.query("UPDATE airlock.access_review_schedules SET runs_as = $2 WHERE id = $1", [
          id,
          ctx.actor.id,
        ]);
        await appendAudit(tx, [
          changeEvent(
            ctx,
            "access_review.schedule_taken_over",
            { type: "access_review_schedule", id },
            { ranAs: row.runs_as },
          ),
        ]);
      });
      return view((await pool.query<ScheduleRow>(`${SELECT} WHERE s.id = $1`, [id])).rows[0]!);
    },

    /**
     * Fire one tick now through the engine and wait for it (tests; the same tick twice is one
     * workflow, DBOS's id for it being `sched-<name>-<tick>`).
     */
    async fire(id: string, tickAt: Date): Promise<void> {
      const running = await ensureEngine();
      await running.schedules.fire(engineName(id), tickAt, { kind: TICK_KIND, scheduleId: id });
      await running.result(`sched-${engineName(id)}-${tickAt.toISOString()}`, 60);
    },

    async close(): Promise<void> {
      const running = acquiring ? await acquiring : null;
      acquiring = null;
      engine = null;
      await running?.release();
    },
  };
}

export type AccessReviewSchedules = Awaited<ReturnType<typeof createAccessReviewSchedules>>;

function scopeOfRow(row: Pick<ScheduleRow, "scope" | "groups">): ReviewScope {
  return row.scope === "high_risk" ? { kind: "high_risk" } : { kind: "groups", groups: row.groups };
}
