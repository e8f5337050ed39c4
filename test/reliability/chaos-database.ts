// The database a crash test's `airlock serve` processes share: a fresh one on the shared test
// server with the tables its chaos workspace writes (created as the owner, granted to the app
// role by the caller's SQL), an owner pool to read them back, and, after the file's tests (also
// after a failed one), every process started on it killed with SIGKILL and the database dropped.
import { after } from "node:test";
import pg from "pg";
import { ownerClient } from "../../src/store/database.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import type { AirlockProcess } from "./cluster.ts";

export interface ChaosDatabase {
  db: TestDatabase;
  owner: pg.Pool;
}

/**
 * Call at the top of a test file: registers the clean-up and returns the list to pass to
 * `spawnAirlock` (so the clean-up kills what the test started) and `create`, run in the test.
 */
export function chaosDatabase(): {
  started: AirlockProcess[];
  create(tablesSql: string): Promise<ChaosDatabase>;
} {
  const started: AirlockProcess[] = [];
  let created: Partial<ChaosDatabase> = {};
  after(async () => {
    for (const proc of started) await proc.kill9().catch(() => {});
    await created.owner?.end();
    await created.db?.drop();
  });
  return {
    started,
    async create(tablesSql) {
      const db = await createTestDatabase();
      created = { db };
      const owner = new pg.Pool({ connectionString: db.url, max: 3 });
      owner.on("error", () => {});
      created.owner = owner;
      const setup = await ownerClient(db.url);
      await setup.query(tablesSql);
      await setup.end();
      return { db, owner };
    },
  };
}
