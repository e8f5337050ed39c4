// Identifiers: a short type prefix and a ULID-style body (48-bit millisecond time, 80 random bits,
// Crockford base32), so ids sort by creation time and say what they name: run_01J…, usr_01J….
import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Random bytes are drawn from the CSPRNG 4 KiB at a time and handed out once each: a request
// needs several ids, and one randomBytes call per id was 4% of a governed action's server CPU.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function takeRandom(count: number): Buffer {
  if (count > POOL_SIZE) throw new Error("at most 4096 random bytes at a time");
  if (poolOffset + count > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += count;
  return pool.subarray(start, poolOffset);
}

/** `count` random bytes as lowercase hex (trace and span ids). */
export function randomHex(count: number): string {
  return takeRandom(count).toString("hex");
}

export function ulid(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = takeRandom(10);
  let random = "";
  // 80 bits -> 16 base32 characters, 5 bits at a time.
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      random += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return time + random;
}

export function newId(prefix: string): string {
  return `${prefix}_${ulid()}`;
}
