// Runs an action's handler inside the run's transaction, behind a savepoint: on any failure the
// handler's writes are rolled back and the run's failure is still recorded in the same
// transaction. A timeout aborts the handler's signal and cancels its in-flight query on the
// server (pg_cancel_backend), costing nothing on the normal path.
import { connect } from "node:net";
import type pg from "pg";
import { AirlockError } from "../errors/airlock-error.ts";
import { issuesOf } from "../errors/issues.ts";
import type { Log } from "../observe/logger.ts";
import { outboundTraceHeaders, type TraceContext } from "../observe/request-id.ts";
import { inSpan, SpanKind } from "../observe/tracing.ts";
import { maskFields, scrubDeep, scrubText } from "../pii/mask.ts";
import type { Resources } from "../resources/resources.ts";
import type { RunLogLine } from "../runs/run-logs.ts";
import { ActionError } from "../sdk/action-error.ts";
import type { ActionDatabase, Actor, HandlerContext } from "../sdk/define-action.ts";
import type { ResourceHandle } from "../sdk/define-resource.ts";
import { sendTogether } from "../store/send-together.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { createRunLog } from "./run-log.ts";

export interface HandlerInput {
  action: CompiledAction;
  params: Record<string, unknown>;
  runId: string;
  requestId: string;
  trace: TraceContext;
  actor: Actor;
  idempotencyKey: string;
  reason: string | null;
  attempt: number;
  /** The handler's logger, made on first use (a pino child per run showed in the profile). */
  log: () => Log;
  /** The workspace's resources (`ctx.resources`), if it has any. */
  resources?: Resources | undefined;
}

export interface HandlerOutcome {
  status: "succeeded" | "failed";
  /** The validated result, raw (the API masks it per viewer). */
  result: unknown;
  error: AirlockError | null;
  /** Snapshots, already masked for storage. */
  snapshotBefore: unknown;
  snapshotAfter: unknown;
  durationMs: number;
  /** What the handler logged with ctx.log, masked and capped (control/run-log.ts). */
  logs: RunLogLine[];
}

export async function runHandler(tx: pg.PoolClient, input: HandlerInput): Promise<HandlerOutcome> {
  const { action } = input;
  const started = performance.now();
  const controller = new AbortController();
  let open = true;
  let before: unknown;
  let after: unknown;
  // The handler's writes sit behind a savepoint, so a failed run rolls them back and still
  // records its failure in the same transaction. Taken with the handler's first query (pipelined
  // with it: no extra round trip), so a handler that never queries costs nothing; never released
  // (COMMIT keeps what is behind it).
  let savepoint: Promise<unknown> | null = null;
  const db: ActionDatabase = {
    async query<R>(text: string, values?: readonly unknown[]) {
      // A handler that ignores its abort signal must not touch the connection once the run is
      // over: by then it may belong to another request.
      if (!open) throw new Error("the run is over; this database handle is closed");
      const [taken, pending] = sendTogether(tx, () => {
        const first = savepoint === null;
        savepoint ??= tx.query("SAVEPOINT airlock_handler");
        return [first ? savepoint : null, tx.query(text, values as unknown[] | undefined)] as const;
      });
      const [, result] = await Promise.all([taken, pending]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
  const classified = [...action.piiParams, ...action.piiOutput];
  const runLog = createRunLog({ log: input.log, mask: (value) => maskSnapshot(value, classified) });
  let resources: Readonly<Record<string, ResourceHandle>> | undefined;
  const inFlight = new Set<string>();
  const ctx: HandlerContext = {
    runId: input.runId,
    requestId: input.requestId,
    actor: input.actor,
    idempotencyKey: input.idempotencyKey,
    reason: input.reason,
    attempt: input.attempt,
    log: runLog.logger,
    db,
    snapshot: {
      before: (value) => {
        before = value;
      },
      after: (value) => {
        after = value;
      },
    },
    signal: controller.signal,
    fetch: (resource, init) => {
      const method = (init?.method ?? "GET").toUpperCase();
      // Its own client span: the traceparent sent is that span's, so the callee joins the trace.
      return inSpan(
        `fetch ${method}`,
        { kind: SpanKind.CLIENT, attributes: { "http.request.method": method } },
        () => {
          const merged = new Headers(init?.headers);
          const headers = outboundTraceHeaders(input.trace);
          for (const [name, value] of Object.entries(headers)) if (!merged.has(name)) merged.set(name, value);
          const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
          return fetch(resource, { ...init, headers: merged, signal });
        },
      );
    },
    get resources() {
      resources ??=
        input.resources?.forRun({
          runId: input.runId,
          requestId: input.requestId,
          traceparent: () => outboundTraceHeaders(input.trace).traceparent!,
          idempotencyKey: input.idempotencyKey,
          signal: controller.signal,
          inFlight,
        }) ?? {};
      return resources;
    },
  };

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), action.timeoutMs);
  });
  let outcome: { ok: true; value: unknown } | { ok: false; error: AirlockError };
  try {
    const result = await Promise.race([
      inSpan(
        `handler ${action.name}`,
        {
          attributes: {
            "airlock.action": action.name,
            "airlock.run_id": input.runId,
            "airlock.attempt": input.attempt,
          },
        },
        () => Promise.resolve().then(() => action.definition.handler(input.params, ctx)),
      ),
      timedOut,
    ]);
    if (result === "timeout") {
      // A call to another system still under way may take effect after we give up: the run's
      // outcome is unknown, and a retry with the same key is safe (docs/resources.md).
      const pending = [...inFlight];
      controller.abort(new Error("timeout"));
      await cancelBackend(tx);
      outcome = {
        ok: false,
        error: new AirlockError(
          "run.timeout",
          `The action did not finish within ${action.timeoutMs} ms.${pending.length > 0 ? " A call to another system was under way: retry with the same idempotency key." : ""}`,
          pending.length > 0 ? { outcomeUnknown: true, idempotencyKey: pending[0] } : undefined,
        ),
      };
    } else {
      outcome = validateOutput(action, result);
    }
  } catch (error) {
    outcome = { ok: false, error: toRunError(error, input) };
  } finally {
    clearTimeout(timer);
  }
  open = false;

  // (Assigned inside the handler's queries; TypeScript cannot see that.)
  const taken = savepoint as Promise<unknown> | null;
  if (!outcome.ok && taken) {
    // The savepoint itself may have failed (the handler's query raced a cancel); then the whole
    // transaction is aborted and the caller's ROLLBACK cleans up.
    await taken.catch(() => {});
    await tx.query("ROLLBACK TO SAVEPOINT airlock_handler");
  }
  return {
    status: outcome.ok ? "succeeded" : "failed",
    result: outcome.ok ? outcome.value : null,
    error: outcome.ok ? null : outcome.error,
    snapshotBefore: before === undefined ? null : maskSnapshot(before, classified),
    snapshotAfter: after === undefined ? null : maskSnapshot(after, classified),
    durationMs: performance.now() - started,
    logs: runLog.lines(),
  };
}

function validateOutput(
  action: CompiledAction,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; error: AirlockError } {
  if (!action.output) return { ok: true, value: value ?? null };
  const parsed = action.output.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data ?? null };
  return {
    ok: false,
    error: new AirlockError("handler.invalid_output", undefined, { issues: issuesOf(parsed.error) }),
  };
}

function toRunError(error: unknown, input: HandlerInput): AirlockError {
  if (error instanceof ActionError) {
    return AirlockError.domain(
      error.code,
      scrubText(error.message),
      error.details ? (scrubDeep(error.details) as Record<string, unknown>) : undefined,
    );
  }
  if (error instanceof AirlockError) return error;
  // An unexpected throw is the action's bug: the engineer sees it in the logs (PII-scrubbed),
  // the operator sees a stable code and the request ID.
  const message = error instanceof Error ? error.message : String(error);
  input.log().error(
    {
      runId: input.runId,
      action: input.action.name,
      err: {
        message: scrubText(message),
        stack: error instanceof Error ? scrubText(error.stack ?? "") : undefined,
      },
    },
    "action handler failed",
  );
  return new AirlockError("handler.failed");
}

/**
 * Snapshots are free-form, so they are masked by the action's classified field names (a key
 * named like a PII field anywhere in the snapshot), then scrubbed for values that look like PII.
 */
export function maskSnapshot(
  value: unknown,
  classified: readonly { path: (string | "*")[]; piiClass: string }[],
): unknown {
  const byName = new Map(classified.map((f) => [f.path[f.path.length - 1], f.piiClass] as const));
  const walk = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== "object" || depth > 32) return node;
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(node)) {
      const piiClass = byName.get(key);
      out[key] = piiClass ? maskFields(item, [{ path: [], piiClass }]) : walk(item, depth + 1);
    }
    return out;
  };
  return scrubDeep(walk(value, 0));
}

/**
 * Cancel the transaction's running query with the protocol's CancelRequest (pid + secret key on
 * a fresh socket). Unlike pg_cancel_backend() this needs no role privileges over the backend.
 * Best effort: if it fails, the savepoint rollback waits for the query to end.
 */
async function cancelBackend(tx: pg.PoolClient): Promise<void> {
  const client = tx as unknown as {
    processID?: number;
    secretKey?: number;
    connectionParameters?: { host?: string; port?: number };
  };
  if (!client.processID || client.secretKey === undefined) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80_877_102, 4);
  packet.writeInt32BE(client.processID, 8);
  packet.writeInt32BE(client.secretKey, 12);
  await new Promise<void>((resolve) => {
    const socket = connect({
      host: client.connectionParameters?.host ?? "127.0.0.1",
      port: client.connectionParameters?.port ?? 5432,
    });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(2_000, done);
    socket.on("error", done);
    socket.on("connect", () => socket.end(packet));
    socket.on("close", done);
  });
}
