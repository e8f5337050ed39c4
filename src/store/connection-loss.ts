// Which failures mean "PostgreSQL is out of reach" (restarting, failing over, a dropped socket)
// rather than a bug or a refused statement, and how a background loop says so: once when the
// outage starts and once when it ends, however many times it retries in between. Measured with a
// kill -9 of the postmaster under load: without this, every pass of every loop (sealer, engine,
// pools) logged its own error, hundreds of lines per outage for one fact.

/** Node socket errors seen when the server is gone or going. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs of a server that is shutting down, restarting or not accepting connections yet:
 * 57P01 admin_shutdown (fast/smart stop), 57P02 crash_shutdown (another backend crashed),
 * 57P03 cannot_connect_now (starting up, in recovery, shutting down), 53300 too many connections
 * (a server coming back is flooded by every pool at once). Class 08 is "connection exception".
 */
const SERVER_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** pg and pg-pool raise these without a code when the socket ends or never opens. */
const MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect/,
  /is not queryable$/, // a query on a client whose connection already failed
  /^Connection destroyed/,
  /^connection dropped/,
];

export function isConnectionLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code, message, errors, cause } = e as {
      code?: unknown;
      message?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    if (typeof code === "string" && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || /^08/.test(code)))
      return true;
    if (typeof message === "string" && MESSAGES.some((m) => m.test(message))) return true;
    // Node's happy-eyeballs connect rejects with an AggregateError of one error per address.
    if (Array.isArray(errors) && errors.length > 0 && errors.every((inner) => isConnectionLoss(inner)))
      return true;
    e = cause;
  }
  return false;
}

/** The part of a pino logger this needs (the store does not depend on observe/). */
export interface OutageLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface OutageWatch {
  /**
   * A failure of `what`. Connection losses are logged once per outage and return true; anything
   * else returns false for the caller to log as it would (it is not an outage).
   */
  failed(error: unknown): boolean;
  /**
   * `what` worked again: ends the outage (logged with how long it lasted), if there was one. Work
   * begun before the outage started (`startedAt`) proves nothing about now and is ignored: a pass
   * whose last answer arrived just before its connection dropped must not end the outage.
   */
  succeeded(startedAt?: number): void;
  /** Whether an outage is under way. */
  readonly down: boolean;
  /** When the outage under way was first seen (epoch ms), or null. */
  readonly downSince: number | null;
}

export function watchOutage(log: OutageLogger, what: string): OutageWatch {
  let since: number | null = null;
  let failures = 0;
  return {
    failed(error) {
      if (!isConnectionLoss(error)) return false;
      failures++;
      if (since === null) {
        since = Date.now();
        const message = error instanceof Error ? error.message : String(error);
        log.warn({ what, error: message }, `${what}: database unreachable; retrying until it is back`);
      }
      return true;
    },
    succeeded(startedAt) {
      if (since === null || (startedAt !== undefined && startedAt < since)) return;
      log.info({ what, downMs: Date.now() - since, failures }, `${what}: database reachable again`);
      since = null;
      failures = 0;
    },
    get down() {
      return since !== null;
    },
    get downSince() {
      return since;
    },
  };
}
