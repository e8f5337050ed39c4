import type { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { Log } from "../observe/logger.ts";
import type { TraceContext } from "../observe/request-id.ts";

/** What every request carries through the middleware chain. */
export interface RequestVars {
  requestId: string;
  trace: TraceContext;
  log: Log;
  clientIp: string | null;
  userAgent: string | null;
  /** The authenticated caller, or null. */
  principal: Principal | null;
  /** Why authentication failed (a bad token, an expired session), to answer instead of auth.required. */
  authError: AirlockError | null;
}

export type AppEnv = { Variables: RequestVars };
