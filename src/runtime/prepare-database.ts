// Everything a database needs before Airlock can serve from it: our migrations (and the
// workspace's), then the job engine's schema and queues. Safe to run from many processes at once.
import { installEngineSchema } from "../engine/install-engine-schema.ts";
import { type MigrateResult, type MigrationSource, migrate } from "../store/migrate.ts";
import { ENGINE_QUEUES } from "./queues.ts";

export async function prepareDatabase(url: string, sources: MigrationSource[]): Promise<MigrateResult> {
  const result = await migrate(url, sources);
  await installEngineSchema(url, ENGINE_QUEUES);
  return result;
}
