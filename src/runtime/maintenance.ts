// Periodic housekeeping, scheduled on the engine so that one tick runs once across any number of
// processes (the engine's schedules give one job per occurrence cluster-wide; see engine.ts).
import { pruneKeys } from "../control/idempotency-store.ts";
import type { Engine } from "../engine/engine.ts";
import type { Log } from "../observe/logger.ts";
import type { Database } from "../store/database.ts";

export const MAINTENANCE_QUEUE = "airlock.maintenance";

export interface MaintenanceTask {
  name: string;
  run(): Promise<number>;
}

export async function startMaintenance(
  engine: Engine,
  database: Database,
  log: Log,
  extra: MaintenanceTask[] = [],
): Promise<void> {
  const tasks: MaintenanceTask[] = [
    {
      name: "prune idempotency keys",
      async run() {
        let total = 0;
        for (
          let removed = await pruneKeys(database.pool);
          removed > 0;
          removed = await pruneKeys(database.pool)
        )
          total += removed;
        return total;
      },
    },
    ...extra,
  ];
  await engine.schedule(MAINTENANCE_QUEUE, "*/5 * * * *", { timeZone: "UTC", data: {} });
  await engine.work(MAINTENANCE_QUEUE, { concurrency: 1 }, async () => {
    for (const task of tasks) {
      try {
        const count = await task.run();
        if (count > 0) log.info({ task: task.name, count }, "maintenance");
      } catch (error) {
        log.error({ task: task.name, err: error }, "maintenance task failed");
      }
    }
  });
}
