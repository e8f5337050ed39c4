// A seeded pseudo-random generator, so that the demo data is the same on every machine and run.
// mulberry32: 32-bit state, fast, and good enough for sample data (not for anything secret).

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[["basic", 55], ["plus", 30]]`. For a hot loop, make a `picker` once. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
  /** A weighted pick over fixed choices, with the cumulative weights computed once. */
  picker<T>(choices: readonly (readonly [T, number])[]): () => T;
  /** `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet?: string): string;
}

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted(choices) {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      let point = next() * total;
      for (const [value, weight] of choices) {
        point -= weight;
        if (point < 0) return value;
      }
      return choices[choices.length - 1]![0];
    },
    picker(choices) {
      const cumulative: number[] = [];
      let total = 0;
      for (const [, weight] of choices) {
        total += weight;
        cumulative.push(total);
      }
      return () => {
        const point = next() * total;
        let lo = 0;
        let hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid]! > point) hi = mid;
          else lo = mid + 1;
        }
        return choices[lo]![0];
      };
    },
    chars(length, alphabet = BASE36) {
      // Char codes joined once: concatenating one character at a time left ~2 million short-lived
      // strings for the garbage collector over the seed's 100,000 transaction ids.
      const codes = new Array<number>(length);
      for (let i = 0; i < length; i++) codes[i] = alphabet.charCodeAt(Math.floor(next() * alphabet.length));
      return String.fromCharCode(...codes);
    },
  };
}

const PAIRS = Array.from({ length: 36 * 36 }, (_, n) => BASE36[Math.floor(n / 36)]! + BASE36[n % 36]!);
const SIX_BASE36 = 36 ** 6;

/**
 * Makes ids with a prefix and `length` random base36 characters, never the same twice. Six
 * characters per PRNG draw, from a table of character pairs: one draw per character, or
 * Number#toString(36), made id generation a fifth of the transactions' build time.
 */
export function idMaker(random: Random) {
  const seen = new Set<string>();
  return (prefix: string, length = 14): string => {
    for (;;) {
      let body = "";
      while (body.length < length) {
        let value = Math.floor(random.next() * SIX_BASE36);
        for (let k = 0; k < 3; k++) {
          body += PAIRS[value % 1296];
          value = Math.floor(value / 1296);
        }
      }
      const id = `${prefix}_${body.length === length ? body : body.slice(0, length)}`;
      if (!seen.has(id)) {
        seen.add(id);
        return id;
      }
    }
  };
}
