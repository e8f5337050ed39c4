// Preloaded (`node --import`) into a schedule test's Airlock process: removes DBOS's startup
// window, in which its scheduler re-reads the schedules every second whatever it was configured
// with (`STARTUP_FAST_POLL_DURATION_MS`, the first 60 s after launch). Without it, a test that
// runs in a process's first minute cannot tell Airlock's configured polling interval from DBOS's
// startup polling; with it, the process polls at its configured interval from launch, as it does
// after its first minute. Fails loudly if DBOS's scheduler no longer has that window.
import { registerHooks } from "node:module";

const WINDOW = /const STARTUP_FAST_POLL_DURATION_MS = [\d_]+;/;

registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    if (!url.endsWith("/@dbos-inc/dbos-sdk/dist/src/scheduler/scheduler.js")) return loaded;
    const source = String(loaded.source);
    if (!WINDOW.test(source))
      throw new Error("steady-poll: DBOS's scheduler has no STARTUP_FAST_POLL_DURATION_MS to remove");
    return { ...loaded, source: source.replace(WINDOW, "const STARTUP_FAST_POLL_DURATION_MS = 0;") };
  },
});
