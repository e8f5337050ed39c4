// The run state machine, as data. Every status change in the code base goes through
// `transitionRun` (run-store.ts), which checks this table and moves the row with a
// compare-and-set UPDATE; a property test drives random event sequences against it.
export const RUN_STATUSES = [
  "pending_approval",
  "approved",
  "queued",
  "running",
  "succeeded",
  "failed",
  "rejected",
  "expired",
  "cancelled",
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run may be created in. */
export const INITIAL_STATUSES: readonly RunStatus[] = ["pending_approval", "queued", "running"];

export const TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  pending_approval: ["approved", "rejected", "expired", "cancelled"],
  approved: ["queued", "failed", "expired", "cancelled"],
  queued: ["running", "failed", "cancelled"],
  running: ["succeeded", "failed"],
  succeeded: [],
  failed: [],
  rejected: [],
  expired: [],
  cancelled: [],
};

export const FINAL_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => TRANSITIONS[s].length === 0);

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(status: RunStatus): boolean {
  return TRANSITIONS[status].length === 0;
}
