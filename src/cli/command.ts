// What every `airlock` subcommand is: a name, its help, and a run over its arguments with the
// process's streams and environment passed in (tests pass their own).

/** Where a command writes and what environment it reads. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: exit 2 with the message. */
export class UsageError extends Error {}
