import { loadConfig } from "../config/config.ts";
import { loadWorkspace } from "../config/load-workspace.ts";
import { createLogger } from "../observe/logger.ts";
import { migrationSourcesFor } from "../runtime/airlock.ts";
import { resetDemoData } from "../runtime/demo-data.ts";
import { prepareDatabase } from "../runtime/prepare-database.ts";
import { provideDatabase } from "../runtime/provide-database.ts";
import { type Command, parseCommandArgs, UsageError } from "./command.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "Demo workspace: `airlock demo reset` restores the demo data",
  help: [
    "Usage: airlock demo reset",
    "",
    "Replaces the demo workspace's domain data (customers, accounts, ledger, payments, …) with a",
    "fresh deterministic seed, in one transaction. Airlock's own tables (users, runs, the audit",
    "trail) are kept: the trail of what was done to the old data stays provable. Works while",
    "`npm start` is running (it joins the embedded database) or against DATABASE_URL when",
    "AIRLOCK_DEMO=1 is set explicitly.",
  ].join("\n"),
  async run(args, io) {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length !== 1 || positionals[0] !== "reset") {
      throw new UsageError("expected `airlock demo reset`");
    }
    const config = loadConfig(io.env);
    if (!config.demo) {
      io.err(
        "airlock demo reset: demo mode is off (DATABASE_URL is set). Set AIRLOCK_DEMO=1 if this database really is a demo.",
      );
      return 1;
    }
    const log = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
    const workspace = await loadWorkspace(config.workspacePath);
    const database = await provideDatabase(config, log, { shareRunning: true });
    try {
      await prepareDatabase(database.url, migrationSourcesFor(workspace));
      const started = performance.now();
      if (!(await resetDemoData(database.url, workspace))) {
        io.err(`airlock demo reset: workspace "${workspace.name}" has no demo data to reset.`);
        return 1;
      }
      io.out(`Demo data restored in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
      return 0;
    } finally {
      await database.stop();
    }
  },
};
