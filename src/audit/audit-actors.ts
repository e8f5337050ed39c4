// Audit events name their actor by ID (a user may be renamed; the record must not change). A
// person reading the trail asks "what did Ana do", so the reading side puts names to the IDs of a
// page, and finds people by name or email to filter by.
import type { Queryable } from "../store/queryable.ts";

export interface AuditActor {
  id: string;
  name: string;
  email: string | null;
  kind: string;
}

/** Names of these actor IDs (unknown IDs are left out). One query, on the users' primary key. */
export async function actorsByIds(
  db: Queryable,
  ids: readonly (string | null)[],
): Promise<Map<string, AuditActor>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === "string"))];
  if (wanted.length === 0) return new Map();
  const result = await db.query<AuditActor>(
    "SELECT id, name, email, kind FROM airlock.users WHERE id = ANY($1::text[])",
    [wanted],
  );
  return new Map(result.rows.map((row) => [row.id, row]));
}

/** People and service identities whose name, email or ID contains the text, by name; at most 20. */
export async function findActors(db: Queryable, text: string): Promise<AuditActor[]> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const result = await db.query<AuditActor>(
    `SELECT id, name, email, kind FROM airlock.users
      WHERE name ILIKE $1 OR email ILIKE $1 OR id = $2
      ORDER BY name, id LIMIT 20`,
    [pattern, text],
  );
  return result.rows;
}
