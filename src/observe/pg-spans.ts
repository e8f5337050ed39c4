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
// in one write (store/send-together.ts).
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
    const [first] = args;
    // Callback and streaming forms (cursors, COPY) pass through: they answer through other means.
    const streaming = typeof (first as { submit?: unknown } | null)?.submit === "function";
    if (streaming || typeof args.at(-1) === "function" || !trace.getSpan(context.active()))
      return original.apply(this, args);
    const config = typeof first === "string" ? { text: first } : (first as { text?: string; name?: string });
    const operation = statementOperation(config?.text ?? "");
    const span = tracer.startSpan(config?.name ? `pg ${config.name}` : `pg ${operation}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        "db.system.name": "postgresql",
        "db.operation.name": operation,
        ...(config?.name ? { "db.query.summary": config.name } : {}),
      },
    });
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        // The error's code (e.g. 23505), never its message: a constraint message quotes values.
        const code = (error as { code?: unknown })?.code;
        span.setStatus({
          code: SpanStatusCode.ERROR,
          ...(typeof code === "string" ? { message: code } : {}),
        });
        span.end();
        throw error;
      },
    );
  };
  return () => {
    proto.query = original;
  };
}
