/** The engine queue that carries runs to workers (job data: `{ runId }`). */
export const RUN_QUEUE = "airlock.run";

export interface RunJob {
  runId: string;
}
