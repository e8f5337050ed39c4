// The handler's `ctx.log`: each line goes to the process log (stdout, with the run's request ID)
// and is kept for the run's record (runs/run-logs.ts), both masked the same way as snapshots — by
// the action's classified field names, then scrubbed for values that look like PII — so raw PII
// reaches neither. A run keeps at most LIMITS of them per attempt: a handler logging in a loop
// must not grow a run's record without bound; what is dropped is counted in a last line.
import type { Log } from "../observe/logger.ts";
import { scrubText } from "../pii/mask.ts";
import type { RunLogLevel, RunLogLine } from "../runs/run-logs.ts";
import type { Logger } from "../sdk/define-action.ts";

export const RUN_LOG_LIMITS = { lines: 200, bytes: 64 * 1024 };

export interface RunLog {
  logger: Logger;
  /** The kept lines, plus one saying how many were dropped, if any were. */
  lines(): RunLogLine[];
}

export function createRunLog(options: {
  /** The process logger for this run (made on first use: a pino child per run costs). */
  log: () => Log;
  /** Masks a logged object (maskSnapshot with the action's classified fields). */
  mask: (value: unknown) => unknown;
  limits?: typeof RUN_LOG_LIMITS;
}): RunLog {
  const limits = options.limits ?? RUN_LOG_LIMITS;
  const kept: RunLogLine[] = [];
  let bytes = 0;
  let dropped = 0;
  let process: Log | undefined;

  const write = (level: RunLogLevel, first: object | string, msg?: string) => {
    const message = scrubText(typeof first === "string" ? first : (msg ?? ""));
    const masked = typeof first === "string" ? null : options.mask(first);
    const data =
      masked !== null && typeof masked === "object" && !Array.isArray(masked)
        ? (masked as Record<string, unknown>)
        : masked === null
          ? null
          : { value: masked };
    process ??= options.log();
    if (data) process[level](data, message);
    else process[level](message);
    const size = message.length + (data ? JSON.stringify(data).length : 0);
    if (kept.length >= limits.lines || bytes + size > limits.bytes) {
      dropped++;
      return;
    }
    bytes += size;
    kept.push({ seq: kept.length + 1, at: new Date(), level, message, data });
  };

  return {
    logger: {
      debug: (first, msg) => write("debug", first, msg),
      info: (first, msg) => write("info", first, msg),
      warn: (first, msg) => write("warn", first, msg),
      error: (first, msg) => write("error", first, msg),
    },
    lines() {
      if (dropped === 0) return kept;
      return [
        ...kept,
        {
          seq: kept.length + 1,
          at: new Date(),
          level: "warn",
          message: `${dropped} more log line${dropped === 1 ? " was" : "s were"} not kept (a run keeps ${limits.lines} lines or ${limits.bytes / 1024} KiB)`,
          data: null,
        },
      ];
    },
  };
}
