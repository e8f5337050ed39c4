import { loadConfig } from "../config/config.ts";
import { loadWorkspace } from "../config/load-workspace.ts";
import { createLogger } from "../observe/logger.ts";
import { migrationSourcesFor } from "../runtime/airlock.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { type Command, parseCommandArgs } from "./command.ts";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Apply pending database migrations and exit",
  help: [
    "Usage: airlock migrate",
    "",
    "Applies Airlock's migrations and the workspace's own (its `migrations` folder), each in a",
    "transaction, under an advisory lock so concurrent starters are safe. Uses DATABASE_URL, or the",
    "embedded PostgreSQL when it is unset.",
  ].join("\n"),
  async run(args, io) {
    parseCommandArgs({ args, options: {}, allowPositionals: false });
    const config = loadConfig(io.env);
    const log = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
    const workspace = await loadWorkspace(config.workspacePath);
    const database = await provideDatabase(config, log, { shareRunning: true });
    try {
      const { applied } = await prepareDatabase(database.url, migrationSourcesFor(workspace));
      io.out(
        applied.length === 0 ? "Database is up to date." : `Applied ${applied.length}: ${applied.join(", ")}`,
      );
      return 0;
    } finally {
      await database.stop();
    }
  },
};
