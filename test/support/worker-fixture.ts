// Actions that hang on their first attempt, for the worker-kill test. Loaded both in the test
// process and, through worker-fixture.config.ts, by the `airlock worker` child processes.
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";

const hang = (name: string, retry: "safe" | "never") =>
  defineAction({
    name,
    title: name,
    tags: ["tools"],
    retry,
    timeout: "120s",
    params: z.object({ label: z.string() }),
    async handler(_p, ctx) {
      if (ctx.attempt === 1) await new Promise((r) => setTimeout(r, 110_000));
      return { attempt: ctx.attempt };
    },
  });

export const workerWorkspace = defineWorkspace({
  name: "worker_fixture",
  actions: [hang("hang_never", "never"), hang("hang_safe", "safe")],
  roles: { operator: { groups: ["operators"] } },
  grants: [{ to: "operator", verbs: ["view", "run"], on: { tag: "tools" } }],
});
