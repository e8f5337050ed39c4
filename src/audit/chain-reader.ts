// Reads audit events in chain order as their canonical rows, straight off `COPY … TO STDOUT`, and
// hashes each one. COPY is the fastest way out of PostgreSQL (no per-row protocol messages, no
// row objects in JavaScript): measured ~300k rows/s on two cores with hashing, against ~180k/s for
// a cursor. Rows go to a synchronous callback so a caller never holds more than one network chunk.
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { eventHash } from "./seal-scheme.ts";

export interface ChainEvent {
  txid: string;
  id: string;
  /** The canonical row (a view into the network chunk: copy it to keep it). */
  line: Buffer;
  /** SHA-256 of the line, as a 32-character latin1 string (see eventHash). */
  hash: string;
}

const TAB = 9;
const NEWLINE = 10;

export function parseChainLine(line: Buffer): ChainEvent {
  const first = line.indexOf(TAB);
  const second = line.indexOf(TAB, first + 1);
  return {
    txid: line.toString("latin1", 0, first),
    id: line.toString("latin1", first + 1, second),
    line,
    hash: eventHash(line),
  };
}

/**
 * Runs `COPY (<sql>) TO STDOUT` on the client and calls `onEvent` for each row in order. The COPY
 * is always read to its end, even after the callback has seen enough, so the connection stays
 * usable for the next statement; a throwing callback stops the calls but not the draining.
 */
export async function streamChain(
  client: pg.ClientBase,
  sql: string,
  onEvent: (event: ChainEvent) => void,
): Promise<number> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  let carry: Buffer | null = null;
  let count = 0;
  let failure: unknown = null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buffer: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    // COPY escapes newlines inside values, so a raw newline always ends a row.
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      count++;
      if (failure === null) {
        try {
          onEvent(parseChainLine(buffer.subarray(start, end)));
        } catch (error) {
          failure = error;
        }
      }
      start = end + 1;
    }
    carry = start < buffer.length ? buffer.subarray(start) : null;
  }
  if (failure !== null) throw failure;
  return count;
}
