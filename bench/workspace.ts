// The benchmark's actions: no-op handlers, so what is measured is the control layer.
import { defineAction, defineWorkspace, z } from "../src/sdk/index.ts";

const params = z.object({
  accountId: z.string().min(3).max(40),
  amountCents: z.number().int().positive().max(1_000_000),
});

export const benchWorkspace = defineWorkspace({
  name: "bench",
  actions: [
    defineAction({
      name: "noop_inline",
      title: "No-op (inline)",
      tags: ["bench"],
      execution: "inline",
      params,
      target: (p) => ({ type: "account", id: p.accountId }),
      handler: () => ({ ok: true }),
    }),
    defineAction({
      // The same no-op under both rates, set too high to be reached: what checking them costs.
      name: "noop_inline_limited",
      title: "No-op (inline, rate-limited)",
      tags: ["bench"],
      execution: "inline",
      limits: { perMinute: 100_000, perActor: 100_000 },
      params,
      target: (p) => ({ type: "account", id: p.accountId }),
      handler: () => ({ ok: true }),
    }),
    defineAction({
      name: "noop_queued",
      title: "No-op (queued)",
      tags: ["bench"],
      params,
      target: (p) => ({ type: "account", id: p.accountId }),
      // When the handler began, on this machine's clock in ms (bench/queued.ts: enqueue → start).
      handler: () => ({ ok: true, handlerStartedAt: performance.timeOrigin + performance.now() }),
    }),
    defineAction({
      name: "gated",
      title: "Gated no-op",
      tags: ["bench"],
      params,
      approval: { reviewers: { groups: ["reviewers"] } },
      handler: () => ({ ok: true }),
    }),
    defineAction({
      name: "gated_quorum2",
      title: "Gated no-op (two approvals)",
      tags: ["bench"],
      params,
      approval: { reviewers: { groups: ["reviewers"] }, quorum: 2 },
      handler: () => ({ ok: true }),
    }),
  ],
  roles: {
    operator: { groups: ["operators"] },
    reviewer: { groups: ["reviewers"] },
    auditor: { groups: ["auditors"] },
  },
  grants: [
    { to: "operator", verbs: ["view", "run"], on: { tag: "bench" } },
    { to: "reviewer", verbs: ["view", "approve"], on: { tag: "bench" } },
    { to: "auditor", verbs: ["audit"], on: "*" },
  ],
});
