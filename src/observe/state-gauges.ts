// Gauges of the system's state, read from PostgreSQL when Prometheus scrapes (not kept in memory:
// every process reports the same shared truth, and a restarted process is right at once). A
// failed read leaves the gauge at its last value and is logged, so a scrape never fails with it.
import { Gauge, type Registry } from "prom-client";

export type WaitingSource = () => Promise<{ count: number; oldestSeconds: number }>;

export function registerStateGauges(
  registry: Registry,
  sources: {
    queuedRuns: WaitingSource;
    pendingApprovals: WaitingSource;
    /** The age of the oldest audit event not sealed yet (0 when all are). */
    unsealedAudit?: () => Promise<{ oldestSeconds: number }>;
  },
  onError: (error: Error) => void,
): void {
  const pair = (name: string, what: string, source: WaitingSource) => {
    // One read per scrape serves both gauges of the pair.
    let reading: Promise<{ count: number; oldestSeconds: number } | null> | null = null;
    const read = () => {
      reading ??= source()
        .catch((error: Error) => {
          onError(error);
          return null;
        })
        .finally(() => {
          setImmediate(() => {
            reading = null;
          });
        });
      return reading;
    };
    new Gauge({
      name: `airlock_${name}`,
      help: `${what} now.`,
      registers: [registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(stats.count);
      },
    });
    new Gauge({
      name: `airlock_${name}_oldest_seconds`,
      help: `How long the oldest of the ${what.toLowerCase()} has waited (0 when none).`,
      registers: [registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(stats.oldestSeconds);
      },
    });
  };
  pair("runs_queued", "Runs waiting in the action queue for a worker", sources.queuedRuns);
  pair("approvals_pending", "Approval requests waiting for a decision", sources.pendingApprovals);
  const unsealed = sources.unsealedAudit;
  if (unsealed) {
    new Gauge({
      name: "airlock_audit_unsealed_oldest_seconds",
      help: "How long the oldest audit event not yet sealed has waited (0 when every event is sealed).",
      registers: [registry],
      async collect() {
        const stats = await unsealed().catch((error: Error) => {
          onError(error);
          return null;
        });
        if (stats) this.set(stats.oldestSeconds);
      },
    });
  }
}
