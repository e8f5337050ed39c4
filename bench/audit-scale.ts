// The audit trail at scale, in a database of its own on the bench server (so its millions of rows
// never weigh on the other figures; dropped at the end):
//   1. load synthetic events as the owner, INSERT … SELECT generate_series in transactions of
//      1..200 events (many txids, as requests write them), with the search and chain indexes
//      dropped during the load and rebuilt after it from their own definitions (then ANALYZE);
//   2. seal them with the product's sealer (batches of its default size, signed);
//   3. verify them with verifyAudit (events/s, goal ≥ 400k/s);
//   4. search them through the API as an auditor (`audit` on `*`): by actor, by target, by request
//      ID, ~100 random existing values each, p50/p95 (goal p95 ≤ 100 ms), and EXPLAIN each of
//      those queries to show which index serves it (EXPLAIN ANALYZE of one per kind).
// Sizes grow in steps (1M, then topped up to 3M or 10M): each step loads only the new events,
// rebuilds the indexes over the whole table and seals the rest.
//
// The rows: runs of two events (run.requested, then run.succeeded or 5% run.failed) sharing a run
// ID and a request ID (unique per run, ULID-like so they sort by time); ~10k actors with a skew
// (the busiest 1% of actors write ~10% of events, the busiest one ~1%; the first 20 are services);
// ~200k targets of four types; masked params, result data, client IP and user agent like the
// product writes; occurred_at spread evenly over the last year at the largest size measured.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { searchSql } from "../src/audit/audit-search.ts";
import { generateSigningKeyPair } from "../src/audit/seal-key.ts";
import { createSealer } from "../src/audit/sealer.ts";
import { verifyAudit } from "../src/audit/verify.ts";
import { createLogger } from "../src/observe/logger.ts";
import { migrationSourcesFor } from "../src/runtime/airlock.ts";
import { prepareDatabase } from "../src/runtime/prepare-database.ts";
import { ownerClient } from "../src/store/database.ts";
import { compileWorkspace } from "../src/workspace/compile-workspace.ts";
import type { BenchDatabase } from "./lib/bench-database.ts";
import { startJsonChild, stopChild } from "./lib/child.ts";
import { median, round, summarize } from "./lib/stats.ts";
import { benchWorkspace } from "./workspace.ts";

export interface AuditScaleOptions {
  /** Event counts to measure, ascending (e.g. [1_000_000, 3_000_000]). */
  scales: number[];
  searchesPerKind: number;
  /** Verification rounds (median) at sizes up to 1M; larger sizes verify once. */
  verifyRounds: number;
  report: (line: string) => void;
  /** A size not measured (too long for the run): estimate its time from the largest step. */
  extrapolateTo?: number;
}

export interface AuditScaleEstimate {
  events: number;
  measured: false;
  /** From the largest step's rates: loading the missing events, indexes over the whole table. */
  loadAndIndexSeconds: number;
  sealAndVerifySeconds: number;
}

// Every filter of the audit explorer (GET /api/v1/audit), each alone: the first three carry the
// p95 goal; the rest are measured and EXPLAINed so that each index they rely on keeps a proof here
// (an index no search uses has no row below, and can go).
const SEARCH_KINDS = ["actor", "target", "request", "run", "action", "type", "outcome", "time"] as const;
const GOAL_KINDS: readonly SearchKind[] = ["actor", "target", "request"];
type SearchKind = (typeof SEARCH_KINDS)[number];

export interface AuditScaleStep {
  events: number;
  load: { events: number; seconds: number; perSecond: number };
  /** Rebuilding the search and chain indexes over the whole table, then ANALYZE. */
  indexSeconds: number;
  tableMB: number;
  indexesMB: number;
  seal: { events: number; seconds: number; perSecond: number };
  verify: { events: number; seconds: number[]; perSecond: number };
  search: Record<SearchKind, { n: number; p50: number; p95: number; p99: number; max: number }>;
  plans: Record<
    SearchKind,
    { shapes: { nodes: string; values: number }[]; executionMs: number; sharedReadBlocks: number }
  >;
}

const GOAL_SEARCH_P95_MS = 100;
const GOAL_VERIFY_PER_SECOND = 400_000;
const YEAR_MS = 365 * 24 * 3600 * 1000;

export async function measureAuditScale(
  db: BenchDatabase,
  options: AuditScaleOptions,
): Promise<{ steps: AuditScaleStep[]; estimate?: AuditScaleEstimate }> {
  const scales = [...options.scales].sort((a, b) => a - b);
  const part = await db.another("audit");
  const steps: AuditScaleStep[] = [];
  const loaders: pg.Client[] = [];
  try {
    await prepareDatabase(part.url, migrationSourcesFor(compileWorkspace(benchWorkspace)));
    // Owner connections, one per core (at most 4): bulk-load settings for these sessions only.
    for (let i = 0; i < Math.min(4, Math.max(1, availableParallelism())); i++) {
      const loader = await ownerClient(part.url);
      loaders.push(loader);
      await loader.query("SET synchronous_commit = off");
      await loader.query("SET maintenance_work_mem = '512MB'");
      await loader.query(LOAD_FUNCTION);
    }
    const owner = loaders[0]!;
    const keys = generateSigningKeyPair();
    const sealer = createSealer({
      url: part.url,
      log: createLogger({ level: "silent" }),
      signingKey: keys.privateKey,
    });
    const start = Date.now() - YEAR_MS;
    const stepMs = YEAR_MS / scales[scales.length - 1]!;
    let loaded = 0;
    try {
      for (const scale of scales) {
        const label = count(scale);
        // 1. Load, then index.
        const indexes = await dropIndexes(owner);
        let t0 = performance.now();
        await loadEvents(loaders, loaded, scale, start, stepMs);
        const loadSeconds = (performance.now() - t0) / 1000;
        const added = scale - loaded;
        loaded = scale;
        t0 = performance.now();
        // Two builds at a time at most (each may use parallel workers of its own).
        const queue = [...indexes];
        await Promise.all(
          loaders.slice(0, 2).map(async (loader) => {
            for (let definition = queue.shift(); definition; definition = queue.shift())
              await loader.query(definition);
          }),
        );
        await owner.query("ANALYZE airlock.audit_events");
        const indexSeconds = (performance.now() - t0) / 1000;
        const sizes = (
          await owner.query(
            `SELECT pg_table_size('airlock.audit_events') / 1048576.0 AS table_mb,
                    pg_indexes_size('airlock.audit_events') / 1048576.0 AS indexes_mb`,
          )
        ).rows[0];
        options.report(
          `audit ${label} events: loaded ${count(added)} in ${secs(loadSeconds)} (${thousands(added / loadSeconds)}/s), indexes rebuilt + ANALYZE in ${secs(indexSeconds)}; table ${Math.round(sizes.table_mb)} MB + indexes ${Math.round(sizes.indexes_mb)} MB`,
        );

        // 2. Seal.
        t0 = performance.now();
        let sealed = 0;
        for (let pass = await sealer.sealOnce(); pass.sealed > 0; pass = await sealer.sealOnce())
          sealed += pass.sealed;
        const sealSeconds = (performance.now() - t0) / 1000;

        // 3. Verify (median over rounds).
        const verifySeconds: number[] = [];
        let verified = 0;
        for (let r = 0; r < (scale <= 1_000_000 ? options.verifyRounds : 1); r++) {
          t0 = performance.now();
          const result = await verifyAudit({ url: part.url, publicKeys: [keys.publicKey] });
          verifySeconds.push((performance.now() - t0) / 1000);
          if (!result.ok || result.unsealed !== 0)
            throw new Error(`audit verification failed: ${JSON.stringify(result)}`);
          verified = result.events;
        }
        const verifyPerSecond = verified / median(verifySeconds);
        options.report(
          `audit verification over ${label} events: ${thousands(verifyPerSecond)} events/s (goal ≥ ${thousands(GOAL_VERIFY_PER_SECOND)}/s; ${secs(median(verifySeconds))} for ${count(verified)}) | sealing ${thousands(sealed / sealSeconds)} events/s (${count(sealed)} in ${secs(sealSeconds)})`,
        );

        // 4. Search through the API, then EXPLAIN one query of each kind.
        const drawn = await sampleValues(owner, options.searchesPerKind + 10);
        const samples = drawn.slice(0, options.searchesPerKind);
        const { search, plans } = await measureSearch(part.url, owner, samples, drawn.slice(samples.length));
        options.report(
          `audit search over ${label} events (n=${samples.length} each, limit 50): ${GOAL_KINDS.map((k) => `${k} p50 ${search[k].p50} ms p95 ${search[k].p95} ms`).join(" | ")} (goal p95 ≤ ${GOAL_SEARCH_P95_MS} ms); the explorer's other filters: ${SEARCH_KINDS.filter(
            (k) => !GOAL_KINDS.includes(k),
          )
            .map((k) => `${k} p50 ${search[k].p50} ms p95 ${search[k].p95} ms`)
            .join(" | ")}`,
        );
        options.report(
          `audit search plans (EXPLAIN, values per plan; ANALYZE of one): ${SEARCH_KINDS.map((k) => `${k} ${plans[k].shapes.map((p) => `${p.nodes} ×${p.values}`).join(", ")} (${plans[k].executionMs} ms)`).join(" | ")}`,
        );

        steps.push({
          events: scale,
          load: { events: added, seconds: round(loadSeconds, 1), perSecond: Math.round(added / loadSeconds) },
          indexSeconds: round(indexSeconds, 1),
          tableMB: Math.round(sizes.table_mb),
          indexesMB: Math.round(sizes.indexes_mb),
          seal: {
            events: sealed,
            seconds: round(sealSeconds, 1),
            perSecond: Math.round(sealed / sealSeconds),
          },
          verify: {
            events: verified,
            seconds: verifySeconds.map((s) => round(s, 2)),
            perSecond: Math.round(verifyPerSecond),
          },
          search,
          plans,
        });
      }
    } finally {
      await sealer.stop();
    }
  } finally {
    for (const loader of loaders) await loader.end();
    await part.drop();
  }
  const last = steps[steps.length - 1];
  if (!options.extrapolateTo || !last || last.events >= options.extrapolateTo) return { steps };
  // Linear in the events (index builds sort, so a little optimistic).
  const target = options.extrapolateTo;
  const estimate: AuditScaleEstimate = {
    events: target,
    measured: false,
    loadAndIndexSeconds: Math.round(
      (last.load.seconds / last.load.events) * target + last.indexSeconds * (target / last.events),
    ),
    sealAndVerifySeconds: Math.round(target / last.seal.perSecond + target / last.verify.perSecond),
  };
  options.report(
    `audit ${count(target)} events: not measured in this run; from the ${count(last.events)} step's rates, loading + indexing would take ~${minutes(estimate.loadAndIndexSeconds)} and sealing + verifying ~${minutes(estimate.sealAndVerifySeconds)} more on this machine, beyond the 10-minute budget (measure alone: npm run bench -- --only audit --audit-events ${target})`,
  );
  return { steps, estimate };
}

function minutes(seconds: number): string {
  return `${(seconds / 60).toFixed(1)} min`;
}

// The insert as a PL/pgSQL function, so its plan is prepared once; called once per transaction.
const LOAD_FUNCTION = `
CREATE FUNCTION pg_temp.bench_audit_load(first bigint, last bigint, start_ms float8, step_ms float8)
RETURNS void LANGUAGE plpgsql AS $$ BEGIN
  INSERT INTO airlock.audit_events (occurred_at, type, outcome, actor_id, actor_kind, on_behalf_of,
      action, action_version, target_type, target_id, run_id, approval_request_id, request_id,
      idempotency_key, error_code, reason, params, data, client_ip, user_agent)
  SELECT to_timestamp((start_ms + n * step_ms) / 1000),
    CASE WHEN j = 0 THEN 'run.requested' WHEN failed THEN 'run.failed' ELSE 'run.succeeded' END,
    CASE WHEN j = 0 THEN 'info' WHEN failed THEN 'failure' ELSE 'success' END,
    'usr_01HV' || lpad(a::text, 22, '0'), CASE WHEN a < 20 THEN 'service' ELSE 'human' END,
    CASE WHEN a < 20 AND k % 3 = 0 THEN 'usr_01HV' || lpad((a * 37 + 100)::text, 22, '0') END,
    (ARRAY['issue_credit', 'refund_payment', 'lookup_customer', 'freeze_card', 'transfer_funds',
           'override_limit', 'confirm_payment', 'export_customer'])[1 + (h2 / 200000) % 8],
    '1', target_type, target_prefix || lpad(t::text, 22, '0'),
    'run_01HV' || lpad(k::text, 22, '0'),
    CASE WHEN k % 10 = 0 THEN 'apr_01HV' || lpad(k::text, 22, '0') END,
    'req_01HV' || lpad(k::text, 22, '0'),
    CASE WHEN k % 4 <> 0 THEN 'idem-' || md5(k::text) END,
    CASE WHEN j = 1 AND failed THEN 'domain.insufficient_funds' END,
    'ticket SUP-' || (k % 100000),
    jsonb_build_object('accountId', 'acc_' || lpad(t::text, 22, '0'), 'amountCents', k % 100000,
                       'currency', 'EUR', 'card', '**** 4242'),
    CASE WHEN j = 1 THEN jsonb_build_object('attempt', 1, 'durationMs', (k % 500) / 100.0,
                         'result', jsonb_build_object('ok', NOT failed)) END,
    '10.' || (a % 256) || '.' || (a / 256) || '.7',
    CASE WHEN a < 20 THEN 'airlock-cli/0.1.0'
         ELSE 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36' END
  FROM generate_series(first, last) AS n,
    LATERAL (SELECT n / 2 AS k, n % 2 AS j) AS r,
    LATERAL (SELECT hashint8(r.k) & 2147483647 AS h1, hashint8(r.k + 7919) & 2147483647 AS h2) AS h,
    LATERAL (SELECT least(9999, floor(10000 * (h.h1::float8 / 2147483648) ^ 2))::int AS a,
                    (h.h2 % 200000)::int AS t, h.h1 % 20 = 0 AS failed) AS v,
    LATERAL (SELECT (ARRAY['account', 'payment', 'customer', 'card'])[1 + v.t % 4] AS target_type,
                    (ARRAY['acc_', 'pay_', 'cus_', 'crd_'])[1 + v.t % 4] AS target_prefix) AS tt;
END $$`;

/** Loads events from..to-1 over the given connections side by side, in transactions of 1..200 events. */
async function loadEvents(loaders: pg.Client[], from: number, to: number, startMs: number, stepMs: number) {
  let seed = 0x2545f491 ^ from;
  const rng = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
    return (seed >>> 0) / 2 ** 32;
  };
  // Each connection takes the next fifty transactions (one round trip, each BEGIN … COMMIT its own
  // txid) from a shared counter, so ids still follow the events' order closely.
  let next = from;
  await Promise.all(
    loaders.map(async (loader) => {
      while (next < to) {
        const batch: string[] = [];
        for (let t = 0; t < 50 && next < to; t++) {
          const last = Math.min(to, next + 1 + Math.floor(rng() * 200)) - 1;
          batch.push(
            `BEGIN; SELECT pg_temp.bench_audit_load(${next}, ${last}, ${startMs}, ${stepMs}); COMMIT;`,
          );
          next = last + 1;
        }
        await loader.query(batch.join("\n"));
      }
    }),
  );
}

/** Drops every index of audit_events but its primary key; returns their definitions. */
async function dropIndexes(owner: pg.Client): Promise<string[]> {
  const result = await owner.query(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = 'airlock' AND i.tablename = 'audit_events'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype = 'p')
      ORDER BY i.indexname`,
  );
  for (const row of result.rows) await owner.query(`DROP INDEX airlock.${quote(row.indexname)}`);
  return result.rows.map((row) => row.indexdef as string);
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

interface Sample {
  actorId: string;
  targetType: string;
  targetId: string;
  requestId: string;
  runId: string;
  action: string;
  type: string;
  occurredAt: Date;
}

/** Values of random existing events (run events only, so each has a target). */
async function sampleValues(owner: pg.Client, n: number): Promise<Sample[]> {
  // Some drawn ids are not run events (the API's own audit.viewed, a sealer gap): draw extra.
  const bounds = (
    await owner.query("SELECT min(id)::float8 AS lo, max(id)::float8 AS hi FROM airlock.audit_events")
  ).rows[0];
  const ids = Array.from({ length: n * 3 }, () =>
    Math.floor(bounds.lo + Math.random() * (bounds.hi - bounds.lo + 1)),
  );
  const result = await owner.query(
    `SELECT actor_id, target_type, target_id, request_id, run_id, action, type, occurred_at FROM airlock.audit_events
      WHERE id = ANY($1::bigint[]) AND target_id IS NOT NULL AND request_id IS NOT NULL`,
    [ids],
  );
  return result.rows.slice(0, n).map((row) => ({
    actorId: row.actor_id,
    targetType: row.target_type,
    targetId: row.target_id,
    requestId: row.request_id,
    runId: row.run_id,
    action: row.action,
    type: row.type,
    occurredAt: row.occurred_at,
  }));
}

function filtersOf(kind: SearchKind, s: Sample): Record<string, string> {
  switch (kind) {
    case "actor":
      return { actorId: s.actorId };
    case "target":
      return { targetType: s.targetType, targetId: s.targetId };
    case "request":
      return { requestId: s.requestId };
    case "run":
      return { runId: s.runId };
    case "action":
      return { action: s.action };
    case "type":
      return { type: s.type };
    case "outcome":
      return { outcome: "failure" };
    case "time":
      // The hour up to a drawn event (an auditor's "what happened around then").
      return {
        from: new Date(s.occurredAt.getTime() - 3_600_000).toISOString(),
        to: new Date(s.occurredAt.getTime() + 1).toISOString(),
      };
  }
}

async function measureSearch(url: string, owner: pg.Client, samples: Sample[], warmUp: Sample[]) {
  const { child, info } = await startJsonChild<{ url: string; tokens: { auditor: string } }>(
    join(import.meta.dirname, "server.ts"),
    [],
    { DATABASE_URL: url },
  );
  try {
    const get = async (filters: Record<string, string>) => {
      const t0 = performance.now();
      const response = await fetch(`${info.url}/api/v1/audit?${new URLSearchParams(filters)}`, {
        headers: { authorization: `Bearer ${info.tokens.auditor}` },
      });
      const body = (await response.json()) as { events?: unknown[] };
      const ms = performance.now() - t0;
      if (response.status !== 200 || !body.events?.length)
        throw new Error(
          `audit search ${JSON.stringify(filters)}: ${response.status} ${JSON.stringify(body)}`,
        );
      return ms;
    };
    // Warm the server (connections, caches of the token and grants) on values not measured.
    for (const sample of warmUp) for (const kind of SEARCH_KINDS) await get(filtersOf(kind, sample));
    const search = {} as AuditScaleStep["search"];
    const plans = {} as AuditScaleStep["plans"];
    for (const kind of SEARCH_KINDS) {
      const latencies: number[] = [];
      for (const sample of samples) latencies.push(await get(filtersOf(kind, sample)));
      const s = summarize(latencies);
      search[kind] = {
        n: s.n,
        p50: round(s.p50, 2),
        p95: round(s.p95, 2),
        p99: round(s.p99, 2),
        max: round(s.max, 2),
      };
      plans[kind] = await explain(owner, kind, samples);
    }
    return { search, plans };
  } finally {
    await stopChild(child);
  }
}

/**
 * The plans of the searches the API runs (same SQL, limit 50), for every sampled value: each
 * distinct plan shape (nodes and index names) with how many values got it, most common first, and
 * one EXPLAIN ANALYZE of the first value. A Seq Scan here would be a search without an index.
 */
async function explain(owner: pg.Client, kind: SearchKind, samples: Sample[]) {
  const shapes = new Map<string, number>();
  for (const sample of samples) {
    const { text, values } = searchSql({ ...filtersOf(kind, sample), limit: 50 });
    const result = await owner.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
    const shape = planNodes(result.rows[0]["QUERY PLAN"][0].Plan).join(" > ");
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  const { text, values } = searchSql({ ...filtersOf(kind, samples[0]!), limit: 50 });
  const analyzed = (await owner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values)).rows[0][
    "QUERY PLAN"
  ][0];
  return {
    shapes: [...shapes].sort((a, b) => b[1] - a[1]).map(([nodes, values]) => ({ nodes, values })),
    executionMs: round(Number(analyzed["Execution Time"]), 2),
    sharedReadBlocks: Number(analyzed.Plan["Shared Read Blocks"] ?? 0),
  };
}

function planNodes(node: Record<string, unknown>): string[] {
  const name = node["Index Name"]
    ? `${node["Node Type"]} (${node["Index Name"]})`
    : String(node["Node Type"]);
  return [name, ...((node.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(planNodes)];
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function thousands(perSecond: number): string {
  return perSecond >= 10_000 ? `${Math.round(perSecond / 1000)}k` : String(Math.round(perSecond));
}

function secs(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}
