import type pg from "pg";
import type { TransactionClient } from "./queryable.ts";

/** Run `fn` in a transaction on one pooled connection; ROLLBACK on any throw. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: TransactionClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch {
      // The connection itself failed; do not hand it back to the pool.
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
