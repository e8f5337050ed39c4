// What every `airlock` subcommand is: a name, its help, and a run over its arguments with the
// process's streams and environment passed in (tests pass their own).
import { type ParseArgsConfig, parseArgs } from "node:util";

/** Where a command writes and what environment it reads. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** Standard input (tests pass their own); `process.stdin` when absent. */
  stdin?: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: exit 2 with the message. */
export class UsageError extends Error {}

/** A subcommand missing or not known: a usage mistake that points to the command's help. */
export function subcommandError(command: string, sub: string | undefined): UsageError {
  return new UsageError(
    sub
      ? `unknown subcommand "${sub}"; see airlock ${command} --help`
      : `give a subcommand; see airlock ${command} --help`,
  );
}

/** node:util's parseArgs; what it rejects (an unknown flag, a missing value) is a usage mistake. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
