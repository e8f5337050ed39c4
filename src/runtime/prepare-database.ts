// Everything a database needs before Airlock can serve from it: our migrations (and the
// workspace's), then the job engine's schema. Safe to run from many processes at once.
import { type MigrateResult, type MigrationSource, migrate } from "../store/migrate.ts";

export async function prepareDatabase(url: string, sources: MigrationSource[]): Promise<MigrateResult> {
  return await migrate(url, sources);
}
