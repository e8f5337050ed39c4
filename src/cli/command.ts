import type { CliIo } from "./main.ts";

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called: exit 2 with the message. */
export class UsageError extends Error {}
