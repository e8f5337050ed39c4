// Spans for Airlock's own PostgreSQL queries (every `pg` client in the process: our pools, the job
// engine's), while tracing is on. A query gets a client span only inside a traced path (a request,
// a job, a runbook step): the background loops' polls would otherwise be thousands of one-span
// traces. A span names the statement — its prepared-statement name when it has one (the run path's
// are named, store/database.ts), else its operation (SELECT, INSERT, …) — and never carries the
// text or the parameter values: the values are customers' data, and a literal in a statement's
// text would be too.
//
// pg is patched at its prototype (as OpenTelemetry's own pg instrumentation does), because the
// queries come from code we do not own (pg-boss, DBOS) as well as ours; the patch is removed when
// tracing stops. The wrapper calls the original synchronously, so a pipelined batch still goes out
// in one write (store/send-together.ts). Every form of a query has its span: a promise, a callback
// (how `pool.query` calls its client), a cursor (the audit export) and a COPY stream (the audit
// chain's reads in verify; the sealer's are the same, but it is a background loop, so untraced); a
// cursor's span lasts from its submission to its close.
import { context, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import pg from "pg";

type Query = (...args: unknown[]) => unknown;

/** The operation of a statement: its first keyword, upper case (`WITH` for a CTE). */
export function statementOperation(text: string): string {
  const stripped = text.replace(/^(\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, "");
  return /^[A-Za-z]+/.exec(stripped)?.[0]?.toUpperCase() ?? "QUERY";
}

/** Starts recording query spans; returns the function that stops it. */
export function tracePgQueries(tracer: Tracer): () => void {
  const proto = pg.Client.prototype as unknown as { query: Query };
  const original = proto.query;
  proto.query = function tracedQuery(this: unknown, ...args: unknown[]): unknown {
    if (!trace.getSpan(context.active())) return original.apply(this, args);
    const [first] = args;
    // A submittable (a cursor, a COPY stream) answers through its events, not a promise.
    if (typeof (first as { submit?: unknown } | null)?.submit === "function") {
      const submittable = first as Submittable;
      if (typeof submittable.on !== "function") return original.apply(this, args);
      const cursor = submittable.constructor?.name === "Cursor";
      const end = querySpan(tracer, submittable.text, submittable.name, cursor);
      for (const event of ["end", "finish", "close"]) submittable.on(event, () => end(null));
      submittable.on("error", (error: unknown) => end(error));
      return call(original, this, args, end);
    }
    const config = typeof first === "string" ? { text: first } : (first as { text?: string; name?: string });
    const end = querySpan(tracer, config?.text, config?.name, false);
    // The callback form (pg-pool's `pool.query` calls its client this way).
    const callback = args.at(-1);
    if (typeof callback === "function") {
      args[args.length - 1] = function answered(this: unknown, error: unknown, ...rest: unknown[]) {
        end(error ?? null);
        return (callback as (...a: unknown[]) => unknown).call(this, error, ...rest);
      };
      return call(original, this, args, end);
    }
    const result = call(original, this, args, end);
    if (!(result instanceof Promise)) {
      end(null);
      return result;
    }
    return result.then(
      (value) => {
        end(null);
        return value;
      },
      (error: unknown) => {
        end(error);
        throw error;
      },
    );
  };
  return () => {
    proto.query = original;
  };
}

/** What pg calls a submittable: cursors (pg-cursor) and COPY streams (pg-copy-streams) are. */
interface Submittable {
  text?: string;
  name?: string;
  on?: (event: string, listener: (...args: unknown[]) => void) => unknown;
  constructor?: { name?: string };
}

function call(original: Query, self: unknown, args: unknown[], end: (error: unknown) => void): unknown {
  try {
    return original.apply(self, args);
  } catch (error) {
    end(error);
    throw error;
  }
}

/** Starts a query's span; returns what ends it (once, whichever way the query answers). */
function querySpan(
  tracer: Tracer,
  text: string | undefined,
  name: string | undefined,
  cursor: boolean,
): (error: unknown) => void {
  const operation = statementOperation(text ?? "");
  const span = tracer.startSpan(name ? `pg ${name}` : `pg ${operation}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      "db.system.name": "postgresql",
      "db.operation.name": operation,
      ...(name ? { "db.query.summary": name } : {}),
      ...(cursor ? { "airlock.db.cursor": true } : {}),
    },
  });
  let ended = false;
  return (error) => {
    if (ended) return;
    ended = true;
    if (error) {
      // The error's code (e.g. 23505), never its message: a constraint message quotes values.
      const code = (error as { code?: unknown })?.code;
      span.setStatus({ code: SpanStatusCode.ERROR, ...(typeof code === "string" ? { message: code } : {}) });
    }
    span.end();
  };
}
