import type pg from "pg";
import type { PolicyModes } from "../approval/policy-modes.ts";
import type { Keyring } from "../crypto/keyring.ts";
import type { Engine } from "../engine/engine.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Log } from "../observe/logger.ts";
import type { Metrics } from "../observe/metrics.ts";
import type { Resources } from "../resources/resources.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { RunWaiter } from "./run-waiter.ts";

/** Everything the control layer needs, passed in (no globals). */
export interface ControlDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  engine: Engine;
  authorizer: Authorizer;
  log: Log;
  metrics: Metrics;
  waiter: RunWaiter;
  /** How long a submit waits for a queued run to finish before answering 202. */
  runWaitMs: number;
  /** Master keys: a run's classified values are sealed with them (null: kept masked only). */
  keyring: Keyring | null;
  /** Keys the parameter hashes (runs/params-hash.ts); null without a master key. */
  paramsHashKey?: Buffer | null;
  /** Policy modes as set by admins (overriding the code's); without it, the code's modes apply. */
  policyModes?: Pick<PolicyModes, "effectiveMode">;
  /** The workspace's resources (databases, HTTP APIs) handed to handlers as `ctx.resources`. */
  resources?: Resources;
  /**
   * Other versions of actions this process still holds, by name and version (`airlock dev`: the
   * superseded ones, until their runs are done). A run requested against a version neither loaded
   * nor held fails with `run.version_changed` (control/executor.ts).
   */
  heldVersion?: (action: string, version: string) => CompiledAction | undefined;
  /** Named points where tests can force an interleaving; no-ops in production. */
  racePoint?: (name: string) => Promise<void>;
}
