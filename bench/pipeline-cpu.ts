// CPU time of the checks before the handler (authenticate, resolve, request ID, authorize,
// validate, approval policy), in process, per action. Token authentication — one indexed query —
// is measured on its own.
import { compose, STAGES } from "../src/control/pipeline.ts";
import type { RunRequest } from "../src/control/pipeline-context.ts";
import { principalFromToken } from "../src/identity/api-tokens.ts";
import { createTokenCache } from "../src/identity/token-cache.ts";
import type { Airlock } from "../src/runtime/airlock.ts";

const CHECKS = ["authenticate", "resolveAction", "requestId", "authorize", "validate", "approvalPolicy"];

export async function measurePipelineCpu(airlock: Airlock, token: string, iterations: number) {
  const principal = (await principalFromToken(airlock.database.pool, token))!;
  const stages = STAGES.filter((s) => CHECKS.includes(s.name));
  // The checks end where the run's transaction would begin.
  const passed = Symbol("passed");
  const checks = compose(stages, async () => passed);
  const request: RunRequest = {
    channel: "api",
    principal,
    actionName: "noop_inline",
    params: { accountId: "acc_bench", amountCents: 1250 },
    idempotencyKey: null,
    reason: null,
    trace: { requestId: "req_bench", traceId: "0".repeat(32), parentSpanId: null },
    client: { clientIp: "127.0.0.1", userAgent: "bench" },
  };
  const deps = airlock.control.deps;
  const once = async () => {
    const outcome = await checks({ request, deps });
    if (outcome !== passed) throw new Error(`the checks did not pass: ${JSON.stringify(outcome)}`);
  };
  for (let i = 0; i < 2_000; i++) await once(); // warm up (JIT, grant cache)
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < iterations; i++) await once();
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;

  const lookups = Math.max(200, Math.floor(iterations / 20));
  const tokenCpu0 = process.cpuUsage();
  for (let i = 0; i < lookups; i++) await principalFromToken(airlock.database.pool, token);
  const tokenCpu = process.cpuUsage(tokenCpu0);
  // The same token from the token cache: a read of the credentials' version instead of the lookup
  // (what every route but the run route pays; the run route reads the version with its BEGIN).
  const cache = createTokenCache();
  await principalFromToken(airlock.database.pool, token, cache);
  const cachedCpu0 = process.cpuUsage();
  for (let i = 0; i < lookups; i++) await principalFromToken(airlock.database.pool, token, cache);
  const cachedCpu = process.cpuUsage(cachedCpu0);
  return {
    stages: stages.map((s) => s.name),
    cpuMicrosPerAction: (cpu.user + cpu.system) / iterations,
    wallMicrosPerAction: (wall * 1000) / iterations,
    tokenLookupCpuMicros: (tokenCpu.user + tokenCpu.system) / lookups,
    cachedTokenCpuMicros: (cachedCpu.user + cachedCpu.system) / lookups,
  };
}
