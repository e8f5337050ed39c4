// One Airlock process of the hand-off measurement (spawned, two at once, on one database): a
// runbook whose human step is answered and whose next step is a governed action. Serves its API
// and prints "handoff process listening <url>"; SIGTERM closes it cleanly.
import { loadConfig } from "../../src/config/config.ts";
import { createAirlock } from "../../src/runtime/airlock.ts";
import { defineAction, defineRunbook, defineWorkspace, z } from "../../src/sdk/index.ts";
import { listen } from "../../src/server/serve.ts";
import { compileWorkspace } from "../../src/workspace/compile-workspace.ts";
import { TEST_MASTER_KEY } from "../support/test-airlock.ts";

const noop = defineAction({
  name: "handoff_noop",
  title: "No-op",
  execution: "inline",
  params: z.object({ i: z.number().int() }),
  async handler(p) {
    return { i: p.i };
  },
});

const handoff = defineRunbook({
  name: "handoff",
  title: "A human step, then an action step",
  params: z.object({ i: z.number().int() }),
  uses: ["handoff_noop"],
  async handler(rb, { i }) {
    await rb.input(z.object({ go: z.boolean() }), { assignee: { group: "ops" }, title: `Go ${i}?` });
    await rb.run("handoff_noop", { i });
  },
});

export const handoffWorkspace = defineWorkspace({
  name: "handoff",
  actions: [noop],
  runbooks: [handoff],
  roles: { ops: { groups: ["ops"] } },
  grants: [
    { to: "ops", verbs: ["view", "run"], on: { runbook: "handoff" } },
    { to: "ops", verbs: ["view", "run"], on: { action: "handoff_noop" } },
  ],
});

const airlock = await createAirlock({
  config: loadConfig({
    AIRLOCK_LOG_LEVEL: "warn",
    AIRLOCK_DEMO: "0",
    AIRLOCK_MASTER_KEY: TEST_MASTER_KEY,
    AIRLOCK_WORKER_CONCURRENCY: "0",
    AIRLOCK_DB_POOL_SIZE: "5",
  }),
  workspace: compileWorkspace(handoffWorkspace),
  databaseUrl: process.env.DATABASE_URL ?? "",
});
const server = await listen(airlock.app, "127.0.0.1", 0);
console.log(`handoff process listening ${server.url}`);
process.once("SIGTERM", () => {
  airlock.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
