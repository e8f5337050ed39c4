// The sealer: a background loop that seals audit events in batches (decision 0003). Writers never
// wait for it: they append rows in their own transactions, and the sealer later hashes what has
// become final. One sealer works at a time cluster-wide, by a session advisory lock held on its
// own connection; every other process's loop just finds the lock taken and skips its pass. If the
// holder dies its connection closes, the lock frees, and another process takes over within one
// interval.
//
// What is final: every event whose transaction id is below the xmin of a fresh snapshot (counting
// only this database's transactions). All transactions below it have ended, so no event can still
// appear in that part of (txid, id) order; sealing by id instead would race with a transaction
// that took a low id and commits late.
import pg from "pg";
import type { Log } from "../observe/logger.ts";
import type { Metrics } from "../observe/metrics.ts";
import { watchOutage } from "../store/connection-loss.ts";
import { appConnectionOptions } from "../store/database.ts";
import type { Queryable } from "../store/queryable.ts";
import { type ChainEvent, streamChain } from "./chain-reader.ts";
import { parseSigningKey, type SigningKey, signRoot } from "./seal-key.ts";
import { type ChainPosition, chainRangeSql, GENESIS_ROOT, SEAL_SCHEME, sealRoot } from "./seal-scheme.ts";

// Any constant works as long as every Airlock process uses the same one (migrations use ...001).
export const SEALER_LOCK = 7_240_911_003;
export const DEFAULT_BATCH_SIZE = 10_000;

export interface SealerOptions {
  /** Owner connection string; the sealer's own connection then acts as `airlock_app`. */
  url?: string;
  /** Or a pool (of `airlock_app` connections) to take the sealer's dedicated connection from. */
  pool?: pg.Pool;
  log: Log;
  /** Ed25519 private key (PKCS#8 PEM or base64 DER) to sign each root with; unsigned when absent. */
  signingKey?: string | SigningKey | null;
  /** Pause between passes that found less than a full batch. */
  intervalMs?: number;
  /** Most events in one seal. */
  batchSize?: number;
  metrics?: Pick<Metrics, "auditSealLag">;
}

export interface SealPass {
  sealed: number;
  sealId: number | null;
  /** True when another connection holds the sealer lock, so this pass did nothing. */
  skipped: boolean;
}

export interface Sealer {
  start(): void;
  stop(): Promise<void>;
  /** One pass: seals up to one batch if this sealer holds (or can take) the lock. */
  sealOnce(): Promise<SealPass>;
}

interface LastSeal {
  id: number;
  root: string;
  position: ChainPosition | null;
}

export function createSealer(options: SealerOptions): Sealer {
  if (!options.url && !options.pool) throw new Error("createSealer needs a url or a pool");
  const log = options.log;
  const intervalMs = options.intervalMs ?? 200;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const key =
    typeof options.signingKey === "string" ? parseSigningKey(options.signingKey) : options.signingKey;

  let client: pg.ClientBase | null = null;
  let release: ((destroy: boolean) => void) | null = null;
  let locked = false;
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  // A database restart fails the sealer's passes until it is back: said once, not once a pass.
  const outage = watchOutage(log, "audit sealer");
  // A single connection runs one transaction at a time: passes queue behind each other.
  let queue: Promise<unknown> = Promise.resolve();

  async function connection(): Promise<pg.ClientBase> {
    if (client) return client;
    if (options.pool) {
      const pooled = await options.pool.connect();
      release = (destroy) => pooled.release(destroy);
      client = pooled;
    } else {
      const own = new pg.Client({
        connectionString: options.url,
        application_name: "airlock-sealer",
        options: appConnectionOptions(),
      });
      await own.connect();
      release = () => void own.end().catch(() => {});
      client = own;
    }
    // A lost connection also lost the lock; the next pass reconnects and asks again.
    client.on("error", (error) => {
      if (!outage.failed(error)) log.warn({ err: error }, "audit sealer connection lost");
      drop();
    });
    return client;
  }

  function drop(): void {
    // Destroying (not returning) a pooled connection is what frees its session lock.
    release?.(true);
    client = null;
    release = null;
    locked = false;
  }

  async function pass(): Promise<SealPass> {
    const db = await connection();
    if (!locked) {
      const result = await db.query("SELECT pg_try_advisory_lock($1) AS ok", [SEALER_LOCK]);
      locked = result.rows[0].ok === true;
      if (!locked) return { sealed: 0, sealId: null, skipped: true };
    }
    await db.query("BEGIN");
    try {
      const sealed = await sealBatch(db);
      await db.query("COMMIT");
      return { ...sealed, skipped: false };
    } catch (error) {
      await db.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  async function sealBatch(db: pg.ClientBase): Promise<{ sealed: number; sealId: number | null }> {
    const last = await lastSeal(db);
    // Read after the last seal. `finalBelow` is the snapshot's xmin restricted to this database:
    // every transaction below it has ended or runs in another database (a backend never writes
    // outside its own), so the events below it are final. An xid is ignored only when positively
    // seen in another database, so timing between the snapshot and the views can only make the
    // bound lower, never too high. The plain cluster-wide xmin let a long write in any other
    // database of the server stall sealing here (measured: the test suite's parallel files).
    const now = await db.query(
      `SELECT coalesce(
                (SELECT min(x) FROM pg_snapshot_xip(s) AS x
                  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                                     WHERE a.backend_xid = x::xid AND a.datname IS DISTINCT FROM current_database())
                    AND NOT EXISTS (SELECT 1 FROM pg_prepared_xacts p
                                     WHERE p.transaction = x::xid AND p.database <> current_database())),
                pg_snapshot_xmax(s))::text AS final_below,
              ts::text AS sealed_at, (extract(epoch FROM ts) * 1000000)::bigint::text AS sealed_at_us
         FROM pg_current_snapshot() AS s, clock_timestamp() AS ts`,
    );
    const { final_below: finalBelow, sealed_at: sealedAt, sealed_at_us: sealedAtUs } = now.rows[0];
    const events: ChainEvent[] = [];
    await streamChain(
      db,
      chainRangeSql({ after: last.position, txidBelow: finalBelow, limit: batchSize }),
      (event) => void events.push(event),
    );
    if (events.length === 0) return { sealed: 0, sealId: null };

    const first = events[0]!;
    const final = events[events.length - 1]!;
    const content = {
      id: last.id + 1,
      prevRoot: last.root,
      firstTxid: first.txid,
      firstEventId: first.id,
      lastTxid: final.txid,
      lastEventId: final.id,
      sealedAtUs,
      eventIds: events.map((e) => e.id),
      eventHashes: Buffer.from(events.map((e) => e.hash).join(""), "latin1"),
    };
    const root = sealRoot(content);
    const signature = key ? signRoot(key, SEAL_SCHEME, root) : null;
    // The primary key is a second guard: two sealers that somehow both ran would collide on the
    // id here, and one transaction would fail rather than seal the same events twice.
    await db.query(
      `INSERT INTO airlock.audit_seals (id, prev_root, root, event_count, first_txid, first_event_id,
         last_txid, last_event_id, event_ids, event_hashes, scheme, signature, key_id, sealed_at)
       VALUES ($1, $2, $3, $4, $5::xid8, $6, $7::xid8, $8, $9::bigint[], $10, $11, $12, $13, $14::timestamptz)`,
      [
        content.id,
        content.prevRoot,
        root,
        events.length,
        content.firstTxid,
        content.firstEventId,
        content.lastTxid,
        content.lastEventId,
        content.eventIds,
        content.eventHashes,
        SEAL_SCHEME,
        signature,
        key ? key.keyId : null,
        sealedAt,
      ],
    );
    observeLag(events, Number(sealedAtUs));
    log.debug({ sealId: content.id, events: events.length }, "audit events sealed");
    return { sealed: events.length, sealId: content.id };
  }

  function observeLag(events: ChainEvent[], sealedAtUs: number): void {
    if (!options.metrics) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const event of events) {
      const from = event.line.indexOf(9, event.line.indexOf(9) + 1) + 1;
      const micros = Number(event.line.toString("latin1", from, event.line.indexOf(9, from)));
      if (micros < oldest) oldest = micros;
    }
    options.metrics.auditSealLag.observe(Math.max(0, (sealedAtUs - oldest) / 1e6));
  }

  function sealOnce(): Promise<SealPass> {
    const next = queue.then(pass, pass);
    queue = next.catch(() => {});
    return next;
  }

  function schedule(ms: number): void {
    if (running) timer = setTimeout(tick, ms);
  }

  async function tick(): Promise<void> {
    timer = null;
    let delay = intervalMs;
    const startedAt = Date.now();
    try {
      const result = await sealOnce();
      failures = 0;
      outage.succeeded(startedAt);
      // A full batch means a backlog: go again at once rather than let the lag grow.
      if (result.sealed >= batchSize) delay = 0;
    } catch (error) {
      failures++;
      const unreachable = outage.failed(error);
      if (!unreachable) log.error({ err: error, failures }, "audit sealer pass failed");
      drop();
      // Back off; while the database is merely out of reach, look again within 5 s so sealing
      // resumes soon after it returns.
      delay = Math.min(intervalMs * 2 ** failures, unreachable ? 5_000 : 30_000);
    }
    schedule(delay);
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await queue;
      if (client && locked)
        await client.query("SELECT pg_advisory_unlock($1)", [SEALER_LOCK]).catch(() => {});
      drop();
    },
    sealOnce,
  };
}

export async function lastSeal(db: Queryable): Promise<LastSeal> {
  const result = await db.query(
    `SELECT id, root, last_txid::text AS last_txid, last_event_id::text AS last_event_id
       FROM airlock.audit_seals ORDER BY id DESC LIMIT 1`,
  );
  const row = result.rows[0];
  if (!row) return { id: 0, root: GENESIS_ROOT, position: null };
  return { id: Number(row.id), root: row.root, position: { txid: row.last_txid, id: row.last_event_id } };
}

export interface SealStatus {
  lastSealId: number;
  lastSealRoot: string;
  /** Events after the last sealed position: written, not yet sealed. */
  unsealed: number;
  /** Seconds since the oldest unsealed event was written (0 when none). */
  lagSeconds: number;
}

/** How far sealing is behind, for health checks and the audit page. */
export async function auditSealStatus(db: Queryable): Promise<SealStatus> {
  const last = await lastSeal(db);
  const after = last.position
    ? { where: "WHERE (txid, id) > ($1::xid8, $2::bigint)", values: [last.position.txid, last.position.id] }
    : { where: "", values: [] };
  const result = await db.query(
    `SELECT count(*)::int AS unsealed,
            coalesce(extract(epoch FROM clock_timestamp() - min(occurred_at)), 0)::float8 AS lag
       FROM airlock.audit_events ${after.where}`,
    after.values,
  );
  return {
    lastSealId: last.id,
    lastSealRoot: last.root,
    unsealed: result.rows[0].unsealed,
    lagSeconds: result.rows[0].lag,
  };
}
