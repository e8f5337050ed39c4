// The master keys one process holds: the current one, which wraps every new data key, and any
// previous ones, accepted for reading until `airlock secrets rotate-key` has re-wrapped every
// record under the current key. Passed down from the composition root; never global.
import type { MasterKey } from "./master-key.ts";

export interface Keyring {
  readonly current: MasterKey;
  /** Current first, then previous keys, by id. */
  readonly keys: ReadonlyMap<string, MasterKey>;
}

export function createKeyring(current: MasterKey, previous: readonly MasterKey[] = []): Keyring {
  const keys = new Map<string, MasterKey>([[current.id, current]]);
  for (const key of previous) if (!keys.has(key.id)) keys.set(key.id, key);
  return { current, keys };
}
