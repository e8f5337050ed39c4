/**
 * A problem that stops Airlock from starting and that the person starting it can fix: a wrong
 * DATABASE_URL, a port in use, a data dir owned by another instance, a failed migration. The CLI
 * prints the message as one line and exits non-zero; no stack trace, because none would help.
 */
export class StartupError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "StartupError";
    this.code = code;
  }
}
