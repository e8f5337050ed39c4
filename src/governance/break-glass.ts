// Break-glass: in an emergency a person takes a workspace-defined emergency role (`emergency:
// true`) for at most 4 hours, with a reason. No approval (that is the point), but: it is audited,
// every admin is told by email (break-glass-alerts.ts), the UI shows a banner while it lasts, it
// ends by itself (the authorizer checks `ends_at` at every use; the maintenance sweep records the
// end), every run its holder starts meanwhile is marked as made under it (run accountability),
// and it leaves a mandatory post-review task that a second person completes. It never lets
// anyone approve: while elevated, a person approves nothing (reviewer-refusal.ts), so an
// emergency role cannot become a way around the second pair of eyes.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { emitEvents } from "../events/event-emit.ts";
import type { ChangeContext } from "../identity/admin-change.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";

export const MAX_BREAK_GLASS_MINUTES = 240;

export interface BreakGlassRow {
  id: string;
  user_id: string;
  user_name: string;
  user_email: string | null;
  role: string;
  reason: string;
  request_id: string;
  started_at: Date;
  ends_at: Date;
  ended_at: Date | null;
  ended_by: string | null;
  review_status: "pending" | "done";
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
}

const SELECT = `SELECT b.*, u.name AS user_name, u.email AS user_email
                  FROM airlock.break_glass b JOIN airlock.users u ON u.id = b.user_id`;

export interface BreakGlassDeps {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
}

/** Take an emergency role now. Each kind of bad input has its own code. */
export async function startBreakGlass(
  deps: BreakGlassDeps,
  ctx: ChangeContext,
  input: { role: string; reason: string; minutes: number },
): Promise<BreakGlassRow> {
  if (ctx.actor.kind !== "human")
    throw new AirlockError("permission.denied", "Only a person can take an emergency role.");
  const reason = scrubText(input.reason.trim());
  if (reason.length < 10)
    throw new AirlockError("breakglass.reason_required", "Say in a sentence (10 characters or more) why.");
  if (!Number.isInteger(input.minutes) || input.minutes < 1 || input.minutes > MAX_BREAK_GLASS_MINUTES)
    throw new AirlockError("breakglass.too_long", undefined, { maxMinutes: MAX_BREAK_GLASS_MINUTES });
  if (!deps.workspace.roles[input.role]?.emergency)
    throw new AirlockError("breakglass.not_emergency_role", undefined, {
      emergencyRoles: Object.entries(deps.workspace.roles)
        .filter(([, role]) => role.emergency)
        .map(([name]) => name),
    });
  const id = newId("brk");
  try {
    await inTransaction(deps.pool, async (tx) => {
      // One that ended by itself but was not swept yet must not block a new one.
      await closeExpired(tx, ctx.actor.id);
      await tx.query(
        `INSERT INTO airlock.break_glass (id, user_id, role, reason, request_id, ends_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6))`,
        [id, ctx.actor.id, input.role, reason, ctx.requestId, input.minutes],
      );
      await appendAudit(tx, [
        {
          type: "breakglass.started",
          outcome: "success",
          actorId: ctx.actor.id,
          actorKind: ctx.actor.kind,
          requestId: ctx.requestId,
          targetType: "break_glass",
          targetId: id,
          reason,
          data: { breakGlassId: id, role: input.role, minutes: input.minutes },
          clientIp: ctx.client.clientIp,
          userAgent: ctx.client.userAgent,
        },
      ]);
      await emitEvents(tx, [
        {
          type: "breakglass.started",
          payload: { breakGlassId: id, userId: ctx.actor.id, role: input.role },
        },
      ]);
    });
  } catch (error) {
    if ((error as { constraint?: string }).constraint === "break_glass_open_idx")
      throw new AirlockError("breakglass.already_active");
    throw error;
  }
  deps.authorizer.invalidate();
  return (await getBreakGlass(deps.pool, id))!;
}

/** End an elevation early: its holder or an admin. */
export async function endBreakGlass(
  deps: BreakGlassDeps,
  ctx: ChangeContext,
  id: string,
): Promise<BreakGlassRow> {
  const row = await getBreakGlass(deps.pool, id);
  if (!row || !(row.user_id === ctx.actor.id || (await deps.authorizer.isWorkspaceAdmin(ctx.actor))))
    throw new AirlockError("breakglass.not_found");
  await inTransaction(deps.pool, async (tx) => {
    const ended = await tx.query(
      `UPDATE airlock.break_glass SET ended_at = LEAST(now(), ends_at), ended_by = $2
        WHERE id = $1 AND ended_at IS NULL`,
      [id, ctx.actor.id],
    );
    if (ended.rowCount === 0) return;
    await appendAudit(tx, [
      {
        type: "breakglass.ended",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        targetType: "break_glass",
        targetId: id,
        data: { breakGlassId: id, role: row.role, userId: row.user_id, how: "by_hand" },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
  });
  deps.authorizer.invalidate();
  return (await getBreakGlass(deps.pool, id))!;
}

/** Records the end of elevations whose time is up (maintenance, and before a new start). */
export async function closeExpired(db: Queryable, userId: string | null = null): Promise<number> {
  const closed = await db.query<{ id: string; user_id: string; role: string }>(
    `UPDATE airlock.break_glass SET ended_at = ends_at
      WHERE ended_at IS NULL AND ends_at <= now() AND ($1::text IS NULL OR user_id = $1)
      RETURNING id, user_id, role`,
    [userId],
  );
  if (closed.rows.length > 0)
    await appendAudit(
      db,
      closed.rows.map((row) => ({
        type: "breakglass.ended" as const,
        outcome: "success" as const,
        actorId: null,
        actorKind: null,
        targetType: "break_glass",
        targetId: row.id,
        data: { breakGlassId: row.id, role: row.role, userId: row.user_id, how: "time_up" },
      })),
    );
  return closed.rows.length;
}

/** The post-review: a second person (an admin, never the holder) records what they checked. */
export async function reviewBreakGlass(
  deps: BreakGlassDeps,
  ctx: ChangeContext,
  id: string,
  note: string,
): Promise<BreakGlassRow> {
  const row = await getBreakGlass(deps.pool, id);
  const admin = await deps.authorizer.isWorkspaceAdmin(ctx.actor);
  if (!row || !(admin || row.user_id === ctx.actor.id)) throw new AirlockError("breakglass.not_found");
  if (row.user_id === ctx.actor.id) throw new AirlockError("breakglass.self_review");
  if (!admin) throw new AirlockError("permission.denied", "Admins review break-glass elevations.");
  if (!row.ended_at && row.ends_at.getTime() > Date.now()) throw new AirlockError("breakglass.still_active");
  const text = scrubText(note.trim());
  await inTransaction(deps.pool, async (tx) => {
    await closeExpired(tx, row.user_id);
    const done = await tx.query(
      `UPDATE airlock.break_glass SET review_status = 'done', reviewed_by = $2, reviewed_at = now(), review_note = $3
        WHERE id = $1 AND review_status = 'pending'`,
      [id, ctx.actor.id, text],
    );
    if (done.rowCount === 0)
      throw new AirlockError("approval.not_pending", "This elevation was already reviewed.");
    await appendAudit(tx, [
      {
        type: "breakglass.reviewed",
        outcome: "success",
        actorId: ctx.actor.id,
        actorKind: ctx.actor.kind,
        requestId: ctx.requestId,
        parentRequestId: row.request_id,
        targetType: "break_glass",
        targetId: id,
        reason: text,
        data: { breakGlassId: id, role: row.role, userId: row.user_id },
        clientIp: ctx.client.clientIp,
        userAgent: ctx.client.userAgent,
      },
    ]);
  });
  return (await getBreakGlass(deps.pool, id))!;
}

export async function getBreakGlass(db: Queryable, id: string): Promise<BreakGlassRow | null> {
  const result = await db.query<BreakGlassRow>(`${SELECT} WHERE b.id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** Admins: every elevation (or those awaiting review); anyone else: their own. */
export async function listBreakGlass(
  deps: BreakGlassDeps,
  principal: Principal,
  filter: { review?: "pending"; limit: number },
): Promise<BreakGlassRow[]> {
  const admin = await deps.authorizer.isWorkspaceAdmin(principal);
  const result = await deps.pool.query<BreakGlassRow>(
    `${SELECT} WHERE ($1::text IS NULL OR b.user_id = $1) AND ($2::text IS NULL OR b.review_status = $2)
      ORDER BY b.started_at DESC, b.id DESC LIMIT $3`,
    [admin ? null : principal.id, filter.review ?? null, filter.limit],
  );
  return result.rows;
}

/** The elevation a person held at `at` (a run's start): the six questions name it. */
export async function elevationAt(
  db: Queryable,
  userId: string,
  at: Date,
): Promise<{ id: string; role: string; reason: string } | null> {
  const result = await db.query<{ id: string; role: string; reason: string }>(
    `SELECT id, role, reason FROM airlock.break_glass
      WHERE user_id = $1 AND started_at <= $2 AND COALESCE(ended_at, ends_at) > $2
      ORDER BY started_at DESC LIMIT 1`,
    [userId, at],
  );
  return result.rows[0] ?? null;
}
