// DATABASE_URL set: use that PostgreSQL and never start the embedded one. Unset: start (or
// recover) the embedded server under the data dir.
import type { Config } from "../config/config.ts";
import type { Log } from "../observe/logger.ts";
import { checkDatabase } from "../store/check-database.ts";
import { runningEmbeddedUrl, startEmbeddedPostgres } from "../store/embedded-postgres.ts";

export interface ProvidedDatabase {
  url: string;
  embedded: boolean;
  serverVersion: string;
  stop(): Promise<void>;
}

export async function provideDatabase(
  config: Config,
  log: Log,
  options: { shareRunning?: boolean } = {},
): Promise<ProvidedDatabase> {
  if (config.databaseUrl) {
    const { serverVersion } = await checkDatabase(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, serverVersion, stop: async () => {} };
  }
  if (options.shareRunning) {
    // Workers and migrations may join the embedded database of an Airlock already running here.
    const url = await runningEmbeddedUrl(config.dataDir);
    if (url) {
      const { serverVersion } = await checkDatabase(url);
      log.info(
        { dataDir: config.dataDir },
        "using the embedded PostgreSQL of the Airlock running in this data dir",
      );
      return { url, embedded: true, serverVersion, stop: async () => {} };
    }
  }
  const handle = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    ...(config.embeddedPgPort !== null ? { port: config.embeddedPgPort } : {}),
    log: (line) => log.info(line),
  });
  const { serverVersion } = await checkDatabase(handle.url);
  log.info({ port: handle.port, dataDir: config.dataDir, serverVersion }, "embedded PostgreSQL started");
  return { url: handle.url, embedded: true, serverVersion, stop: () => handle.stop() };
}
