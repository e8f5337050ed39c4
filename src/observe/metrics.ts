// Prometheus metrics. One registry per Airlock instance (never prom-client's global default), so
// two instances in one process (the tests do this) keep separate counts.
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
  runsFinished: Counter<"action" | "status">;
  runDuration: Histogram<"action">;
  auditSealLag: Histogram<never>;
  approvalWait: Histogram<"subject" | "decision">;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: "airlock_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "airlock_http_requests_total",
      help: "HTTP requests by method, route and status.",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "airlock_http_request_duration_seconds",
      help: "HTTP request duration.",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    runsFinished: new Counter({
      name: "airlock_runs_finished_total",
      help: "Runs that reached a final status.",
      labelNames: ["action", "status"],
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: "airlock_run_duration_seconds",
      help: "Time from a run's start to its final status.",
      labelNames: ["action"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [registry],
    }),
    auditSealLag: new Histogram({
      name: "airlock_audit_seal_lag_seconds",
      help: "Age of the oldest event in each sealed batch when it was sealed.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    approvalWait: new Histogram({
      name: "airlock_approval_wait_seconds",
      help: "Time from an approval request to the decision that settled it (approved or rejected).",
      labelNames: ["subject", "decision"],
      // Reviewers answer in minutes to days.
      buckets: [10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600],
      registers: [registry],
    }),
  };
}
