// Change requests in SQL. A change request is created with its approval request (subject kind
// `change`) in one transaction, and leaves `pending` only with that approval request's end, in
// the deciding transaction (change-subject.ts): applied, rejected, cancelled or expired.
import type { Queryable } from "../store/queryable.ts";

export type ChangeStatus = "pending" | "applied" | "rejected" | "cancelled" | "expired";

export interface ChangeRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  payload_hash: string;
  summary: string;
  conflict_key: string;
  beneficiaries: string[];
  requested_by: string;
  reason: string | null;
  status: ChangeStatus;
  approval_request_id: string | null;
  request_id: string;
  result: Record<string, unknown> | null;
  created_at: Date;
  decided_at: Date | null;
}

export async function insertChange(
  db: Queryable,
  row: Omit<ChangeRow, "status" | "result" | "created_at" | "decided_at">,
): Promise<ChangeRow> {
  const result = await db.query<ChangeRow>(
    `INSERT INTO airlock.change_requests
       (id, kind, payload, payload_hash, summary, conflict_key, beneficiaries, requested_by, reason, status, approval_request_id, request_id)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)
     RETURNING *`,
    [
      row.id,
      row.kind,
      JSON.stringify(row.payload),
      row.payload_hash,
      row.summary,
      row.conflict_key,
      row.beneficiaries,
      row.requested_by,
      row.reason,
      row.approval_request_id,
      row.request_id,
    ],
  );
  return result.rows[0]!;
}

export async function getChange(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ChangeRow | null> {
  const result = await db.query<ChangeRow>(
    `SELECT * FROM airlock.change_requests WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return result.rows[0] ?? null;
}

/** Ends a pending change (compare-and-set); false if it had already left `pending`. */
export async function endChange(
  db: Queryable,
  id: string,
  to: Exclude<ChangeStatus, "pending">,
  result: Record<string, unknown> | null = null,
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE airlock.change_requests
        SET status = $2, decided_at = now(),
            result = CASE WHEN $3::jsonb IS NULL THEN result ELSE COALESCE(result, '{}'::jsonb) || $3::jsonb END
      WHERE id = $1 AND status = 'pending'`,
    [id, to, result === null ? null : JSON.stringify(result)],
  );
  return updated.rowCount === 1;
}

export interface ChangeListRow extends ChangeRow {
  requester_name: string;
  requester_email: string | null;
  approval_status: string | null;
  expires_at: Date | null;
}

/** Newest first; `pending`, `mine` (requested by the user) or everything. */
export async function listChanges(
  db: Queryable,
  filter: { status?: "pending" | "all"; requestedBy?: string; limit: number },
): Promise<ChangeListRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.status === "pending") where.push("c.status = 'pending'");
  if (filter.requestedBy) {
    values.push(filter.requestedBy);
    where.push(`c.requested_by = $${values.length}`);
  }
  values.push(filter.limit);
  const result = await db.query<ChangeListRow>(
    `SELECT c.*, u.name AS requester_name, u.email AS requester_email, ar.status AS approval_status, ar.expires_at
       FROM airlock.change_requests c
       JOIN airlock.users u ON u.id = c.requested_by
       LEFT JOIN airlock.approval_requests ar ON ar.id = c.approval_request_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT $${values.length}`,
    values,
  );
  return result.rows;
}
