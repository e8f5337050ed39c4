// The HTTP floor: the least any HTTP service must pay on this machine to do what an inline governed
// no-op does. `node:http` with no framework (bench/lib/minimal-http.ts), the bearer token checked
// against a map in memory, and the rows an inline run writes — its idempotency key, its run (in
// its final state) and its two audit events (run.requested, run.succeeded) — into Airlock's own
// tables (same columns, same indexes, same deferred foreign key), in ONE statement: data-modifying
// CTEs make it one round trip and one transaction, the fewest this database allows. Airlock's
// inline rate is reported as a ratio to this one (bench/run.ts).
//
// Run on a database Airlock has migrated and whose tokens exist (bench/server.ts made them);
// prints one JSON line { url, pid }, serves until SIGTERM.
import pg from "pg";
import { listenMinimal, loadTokens } from "./lib/minimal-http.ts";

// Idle connections close after a second: the floor, DBOS and Airlock each hold up to one connection
// per caller while measured, and must not hold them through each other's rounds (a PostgreSQL
// with the default max_connections = 100 would run out at c = 32).
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL!,
  max: Number(process.env.BENCH_POOL ?? 40),
  idleTimeoutMillis: 1_000,
});
pool.on("error", () => {
  // A pooled connection that dies is dropped by the pool; the next query opens another.
});

// The audit event's and the run's columns as Airlock writes them (src/audit/audit-writer.ts,
// src/runs/run-lifecycle-sql.ts, src/control/idempotency-store.ts); the run's row only if the key
// was claimed, as in Airlock's transaction.
const WRITE_RUN = `WITH claimed AS (
    INSERT INTO airlock.idempotency_keys (actor_id, key, action, params_hash, run_id, expires_at)
    VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => 24))
    ON CONFLICT (actor_id, key) DO NOTHING
    RETURNING run_id
  ), run AS (
    INSERT INTO airlock.runs (id, action, action_version, status, actor_id, channel, target_type, target_id,
      params, params_hash, request_id, idempotency_key, authorized_by, result, snapshot_before, snapshot_after,
      started_at, finished_at, attempt)
    SELECT run_id, $3, 'bench', 'succeeded', $1, 'api', 'account', $6, $7::json, $4, $8, $2, $9::jsonb,
      '{"ok":true}'::json, 'null'::json, 'null'::json, now(), clock_timestamp(), 1
      FROM claimed
    RETURNING created_at, started_at, finished_at
  ), audit AS (
    INSERT INTO airlock.audit_events (type, outcome, actor_id, actor_kind, on_behalf_of, action, action_version,
      target_type, target_id, run_id, approval_request_id, request_id, parent_request_id, idempotency_key,
      error_code, reason, params, data, client_ip, user_agent)
    SELECT e.type, e.outcome, $1, $10, NULL, $3, 'bench', 'account', $6, claimed.run_id, NULL, $8, NULL, $2,
      NULL, NULL, $7::jsonb, e.data, $11, $12
      FROM claimed, (VALUES ('run.requested', 'info', $13::jsonb), ('run.succeeded', 'success', $14::jsonb))
        AS e (type, outcome, data)
  )
  SELECT created_at, started_at, finished_at FROM run`;

const AUTHORIZED_BY = JSON.stringify({
  grant: { id: "config:0", on: "tag:bench", verbs: ["view", "run"], source: "config", subject: "operator" },
  roles: ["operator"],
});

const tokens = await loadTokens(pool);
const listening = await listenMinimal(tokens, async (run) => {
  const result = await pool.query<{ created_at: Date; started_at: Date; finished_at: Date }>({
    name: "floor_write_run",
    text: WRITE_RUN,
    values: [
      run.principal.id,
      run.idempotencyKey,
      run.action,
      run.paramsHash,
      run.runId,
      run.params.accountId,
      run.paramsJson,
      run.requestId,
      AUTHORIZED_BY,
      run.principal.kind,
      run.clientIp,
      run.userAgent,
      JSON.stringify({ authorizedBy: JSON.parse(AUTHORIZED_BY), channel: "api" }),
      JSON.stringify({ result: { ok: true }, before: null, after: null, attempt: 1, durationMs: 0 }),
    ],
  });
  const row = result.rows[0];
  return row ? { createdAt: row.created_at, startedAt: row.started_at, finishedAt: row.finished_at } : null;
});
process.stdout.write(`${JSON.stringify({ url: listening.url, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void listening
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
