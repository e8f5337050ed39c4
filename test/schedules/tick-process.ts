// One Airlock process of the schedule tests (spawned, several at once, on one database): the tick
// workspace plus the schedules named in TICK_SCHEDULES (`name:missed[:cron]`, comma-separated),
// each ticking every second unless a 6-field cron is given. Prints "schedule process ready" once
// started (and its URL first, with TICK_HTTP); SIGTERM closes it cleanly. With TICK_HOLD, it loads
// its code, prints "schedule process loaded" and starts only when a line arrives on stdin: a test
// pays a process's slowest part (Node and its imports) beside another's start, and starts it when
// the test needs it.
import { loadConfig } from "../../src/config/config.ts";
import { createAirlock } from "../../src/runtime/airlock.ts";
import { listen } from "../../src/server/serve.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { TEST_MASTER_KEY } from "../support/test-airlock.ts";
import { everySecond, tickWorkspace, withSecondTicks } from "./tick-workspace.ts";

const schedules = (process.env.TICK_SCHEDULES ?? "")
  .split(",")
  .filter(Boolean)
  .map((pair) => {
    const [name, missed, cron] = pair.split(":") as [string, "skip" | "catchUpOnce", string?];
    return everySecond(name, missed, "action", cron);
  });
if (process.env.TICK_HOLD) {
  console.log("schedule process loaded");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  process.stdin.pause();
}
const airlock = await createAirlock({
  config: loadConfig({
    AIRLOCK_LOG_LEVEL: "warn",
    AIRLOCK_DEMO: "0",
    AIRLOCK_MASTER_KEY: TEST_MASTER_KEY,
    AIRLOCK_WORKER_CONCURRENCY: "0",
    AIRLOCK_DB_POOL_SIZE: "5",
  }),
  workspace: withSecondTicks(compileWorkspace(tickWorkspace), schedules),
  databaseUrl: process.env.DATABASE_URL ?? "",
});
// With TICK_HTTP set, the process also serves its API (the schedule pause/resume routes).
if (process.env.TICK_HTTP) {
  const server = await listen(airlock.app, "127.0.0.1", 0);
  console.log(`schedule process listening ${server.url}`);
}
console.log("schedule process ready");
process.once("SIGTERM", () => {
  airlock.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
