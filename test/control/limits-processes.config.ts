// The workspace of limits-processes.test.ts, loaded by real `airlock serve` processes.
import { defineAction, defineWorkspace, z } from "../../src/sdk/index.ts";

export default defineWorkspace({
  name: "limits-processes",
  actions: [
    defineAction({
      name: "proc_rated",
      title: "Five a minute",
      tags: ["ops"],
      execution: "inline",
      limits: { perMinute: 5 },
      params: z.object({ n: z.number().int() }),
      handler: (p) => ({ n: p.n }),
    }),
    defineAction({
      name: "proc_slot",
      title: "One at a time",
      tags: ["ops"],
      execution: "inline",
      limits: { concurrency: 1 },
      params: z.object({ holdMs: z.number().int().min(0).max(20_000) }),
      async handler(p, ctx) {
        if (p.holdMs > 0) await ctx.db.query("SELECT pg_sleep($1)", [p.holdMs / 1000]);
        return { held: p.holdMs };
      },
    }),
  ],
  roles: { operator: { groups: ["operators"] } },
  grants: [{ to: "operator", verbs: ["view", "run"], on: { tag: "ops" } }],
});
