import type pg from "pg";
import type { Engine } from "../engine/engine.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Log } from "../observe/logger.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { EventOutbox } from "./event-outbox.ts";
import type { PolicyModes } from "./policy-modes.ts";

/** Everything the approval module needs, passed in (no globals). */
export interface ApprovalDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  engine: Engine;
  authorizer: Authorizer;
  log: Log;
  policyModes: PolicyModes;
  outbox: EventOutbox;
  /** Named points where tests force an interleaving; no-ops in production. */
  racePoint?: (name: string) => Promise<void>;
}
