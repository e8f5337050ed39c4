import type { Log } from "../observe/logger.ts";
import type { TraceContext } from "../observe/request-id.ts";

/** What every request carries through the middleware chain. */
export interface RequestVars {
  requestId: string;
  trace: TraceContext;
  log: Log;
  clientIp: string | null;
  userAgent: string | null;
}

export type AppEnv = { Variables: RequestVars };
