// The process's own health: liveness (/healthz) and readiness (/readyz).
import { z } from "zod";

export const healthResponse = z.strictObject({ status: z.literal("ok") });

export const readyResponse = z.strictObject({
  status: z.enum(["ready", "not_ready"]),
  checks: z.record(z.string(), z.strictObject({ ok: z.boolean(), detail: z.string().optional() })),
});
export type ReadyResponse = z.output<typeof readyResponse>;
