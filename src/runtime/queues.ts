import type { QueueDefinition } from "../engine/engine.ts";
import { NOTIFY_QUEUE_DEFINITION } from "../notify/notifier.ts";
import { RUN_QUEUE } from "../runs/run-queue.ts";

/** The engine's queues. A dead worker's run is noticed after heartbeatSeconds plus one supervise pass (≤ ~30 s). */
export const ENGINE_QUEUES: QueueDefinition[] = [
  { name: "airlock.maintenance", heartbeatSeconds: 30, expireInSeconds: 600, retryLimit: 1 },
  { name: RUN_QUEUE, heartbeatSeconds: 10, expireInSeconds: 900, retryLimit: 3 },
  NOTIFY_QUEUE_DEFINITION,
];
