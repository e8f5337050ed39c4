// Structured JSON logs, one line per event. pino escapes CR/LF and control characters inside
// JSON strings, so user input can never forge a second log line. Secrets are redacted by path;
// PII never reaches a log call in the first place (callers log masked values only).
import pino from "pino";

export type Log = pino.Logger;

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  destination?: pino.DestinationStream;
  name?: string;
}

export const REDACT_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  'headers["authorization"]',
  'headers["cookie"]',
];

export function createLogger(options: LoggerOptions): Log {
  return pino(
    {
      level: options.level,
      base: { service: options.name ?? "airlock" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
    },
    options.destination ?? bufferedDestination(),
  );
}

/**
 * Lines written 4 KiB at a time, or 250 ms after the first one waiting, instead of one write per
 * line (an access-log line per request made the write the costliest syscall of an inline action).
 * pino flushes what is left synchronously on exit, a crash's included; only SIGKILL can lose the
 * last 250 ms.
 */
export function bufferedDestination(dest: string | number = 1): pino.DestinationStream {
  return pino.destination({ dest, sync: false, minLength: 4096, periodicFlush: 250 });
}

/**
 * Errors as { type, message, code, stack }. The default serializer copies every enumerable
 * property, and pg attaches its whole client (connection parameters included) to some errors.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}
