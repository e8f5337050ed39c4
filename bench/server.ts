// A benchmark Airlock in its own process (the load generator runs in another): the bench
// workspace, production-like settings (info logs, written to /dev/null), one operator, two
// reviewers and an auditor (`audit` on `*`) with API tokens. Prints one JSON line with its URL and
// tokens, then serves until SIGTERM.
import { renameSync, writeFileSync } from "node:fs";
import { loadConfig } from "../src/config/config.ts";
import { createApiToken } from "../src/identity/api-tokens.ts";
import { newId } from "../src/ids/ids.ts";
import { bufferedDestination, createLogger } from "../src/observe/logger.ts";
import { createAirlock, migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { listen } from "../src/server/serve.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import { benchWorkspace } from "./workspace.ts";

const url = process.env.DATABASE_URL!;
const config = loadConfig({
  DATABASE_URL: url,
  AIRLOCK_DEMO: "0",
  AIRLOCK_LOG_LEVEL: "info",
  AIRLOCK_WORKER_CONCURRENCY: process.env.BENCH_WORKERS ?? "16",
  AIRLOCK_DB_POOL_SIZE: process.env.BENCH_POOL ?? "40",
});
const workspace = compileWorkspace(benchWorkspace);
await prepareDatabase(url, migrationSourcesFor(workspace));
const log = createLogger({
  level: "info",
  destination: bufferedDestination("/dev/null"),
});
const airlock = await createAirlock({ config, workspace, databaseUrl: url, log });

async function user(group: string) {
  const id = newId("usr");
  await airlock.database.pool.query(
    "INSERT INTO airlock.users (id, kind, email, name) VALUES ($1, 'human', $2, $2)",
    [id, `${id}@bench.local`],
  );
  await airlock.database.pool.query(
    "INSERT INTO airlock.group_members (group_id, user_id) SELECT id, $2 FROM airlock.groups WHERE name = $1",
    [group, id],
  );
  return (await createApiToken(airlock.database.pool, { userId: id, name: "bench", createdBy: id })).token;
}
const tokens = {
  operator: await user("operators"),
  reviewer: await user("reviewers"),
  reviewer2: await user("reviewers"),
  auditor: await user("auditors"),
};
const listening = await listen(airlock.app, "127.0.0.1", 0);
process.stdout.write(`${JSON.stringify({ url: listening.url, tokens, pid: process.pid })}\n`);
// The bench's memory figure (bench/run.ts): on SIGUSR2, a full GC when exposed (--expose-gc), then
// process.memoryUsage() written to BENCH_MEMORY_FILE, so growth of live objects can be told from
// memory the allocator merely kept.
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
  const file = process.env.BENCH_MEMORY_FILE;
  if (!file) return;
  // Renamed into place, so the reader never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
  renameSync(`${file}.tmp`, file);
});
process.once("SIGTERM", () => {
  void (async () => {
    await listening.close(1_000);
    await airlock.close();
    process.exit(0);
  })();
});
