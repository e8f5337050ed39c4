// A service identity by id: what an admin acts on when creating its API token.
import type { Queryable } from "../store/queryable.ts";

export interface ServiceIdentity {
  id: string;
  status: string;
}

/** The service identity with this id, or null (a human's id is not one). */
export async function findServiceIdentity(db: Queryable, id: string): Promise<ServiceIdentity | null> {
  const result = await db.query<ServiceIdentity>(
    "SELECT id, status FROM airlock.users WHERE id = $1 AND kind = 'service'",
    [id],
  );
  return result.rows[0] ?? null;
}
