// The audit events a test expects to find, read straight from the table.
import type pg from "pg";

/** Audit events of some types, oldest first. */
export async function auditEvents(
  pool: Pick<pg.Pool, "query">,
  types: string[],
  where: { actorId?: string; targetId?: string; requestId?: string } = {},
): Promise<Record<string, unknown>[]> {
  const values: unknown[] = [types];
  const clauses = ["type = ANY($1::text[])"];
  if (where.actorId) {
    values.push(where.actorId);
    clauses.push(`actor_id = $${values.length}`);
  }
  if (where.targetId) {
    values.push(where.targetId);
    clauses.push(`target_id = $${values.length}`);
  }
  if (where.requestId) {
    values.push(where.requestId);
    clauses.push(`request_id = $${values.length}`);
  }
  const result = await pool.query(
    `SELECT * FROM airlock.audit_events WHERE ${clauses.join(" AND ")} ORDER BY id`,
    values,
  );
  return result.rows;
}
