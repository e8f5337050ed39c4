import type pg from "pg";
import type { Keyring } from "../crypto/keyring.ts";
import type { Engine } from "../engine/engine.ts";
import type { EventOutbox } from "../events/event-outbox.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Log } from "../observe/logger.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { SubjectKinds } from "./approval-subject.ts";
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
  /** What approval requests may gate (runs, and kinds registered by later parts). */
  subjects: SubjectKinds;
  /** Master keys: open a run's sealed parameters to check them against the approved hash. */
  keyring: Keyring | null;
  /** Counts runs ended by a decision or expiry (optional: tools and tests may leave it out). */
  metrics?: Metrics;
  /** Named points where tests force an interleaving; no-ops in production. */
  racePoint?: (name: string) => Promise<void>;
}
