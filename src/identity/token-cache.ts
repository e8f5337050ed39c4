// API-token lookups, cached per Airlock instance. The full lookup joins four tables and returns
// the user and their groups (api-tokens.ts); a cache hit instead reads one row, the credentials'
// version (migrations/0080_credential_version.sql), which every revocation, expiry change,
// disable, rename and group change replaces in its own transaction. An entry is used only while
// the version it was read under is still the database's version, so a change committed anywhere
// (another process, another server) refuses the token on the very next request here, with no
// message to miss: a restart of PostgreSQL, a lost connection or a restored backup can only make
// the version differ, never leave an entry in force. Expiry is checked on every hit from the
// token's own expiry time.
import type { Principal } from "./principal.ts";

const CREDENTIAL_VERSION = Symbol("credential version");

/**
 * A cached principal handed out WITHOUT reading the version first, for a request whose first
 * database work checks it instead, in the same round trip (the run's transaction,
 * control/stages/transaction.ts): saves a round trip on the hot path, stays strict.
 */
export function withCredentialFence(principal: Principal, fence: CredentialFence): Principal {
  const copy = { ...principal };
  Object.defineProperty(copy, CREDENTIAL_VERSION, { value: fence, enumerable: false });
  return copy;
}

export interface CredentialFence {
  /** The version the principal was cached under. */
  version: string;
  /** Checked again at `version` (same principal): the cache entry is good under it. */
  confirmed(version: string): void;
  /** The principal changed or is gone: drop the entry. */
  forget(): void;
}

/** The fence of a principal handed out by `withCredentialFence`; undefined for any other. */
export function credentialFence(principal: Principal): CredentialFence | undefined {
  return (principal as { [CREDENTIAL_VERSION]?: CredentialFence })[CREDENTIAL_VERSION];
}

/**
 * The credentials' version moved since a fenced principal was cached, and the principal now in
 * the database differs (null: the token no longer works). The run's transaction has been rolled
 * back; whoever submitted it decides again with `fresh` (control.ts).
 */
export class StaleCredentials extends Error {
  readonly fresh: Principal | null;
  constructor(fresh: Principal | null) {
    super("the caller's credentials changed while the request was being decided");
    this.fresh = fresh;
  }
}

/** Two principals that every check would treat alike. */
export function samePrincipal(a: Principal, b: Principal): boolean {
  return (
    a.id === b.id &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.email === b.email &&
    a.tokenId === b.tokenId &&
    a.groups.length === b.groups.length &&
    a.groups.every((g, i) => g === b.groups[i])
  );
}

export interface CachedToken {
  principal: Principal;
  expiresAt: Date | null;
  /** The credentials' version the entry was read under. */
  version: string;
  /** When this process last recorded the token's use (api_tokens.last_used_at), in ms. */
  usedRecordedAt: number;
}

export interface TokenCache {
  /** The entry for a token's hash, if cached (not yet checked against the version). */
  get(hash: string): CachedToken | undefined;
  set(hash: string, entry: CachedToken): void;
  /** The version moved: every entry read under another version is worthless. */
  versionSeen(version: string): void;
  delete(hash: string): void;
  readonly size: number;
}

/** Bounded: the least recently used entry leaves first once `max` tokens are cached. */
export function createTokenCache(options: { max?: number } = {}): TokenCache {
  const max = options.max ?? 10_000;
  const entries = new Map<string, CachedToken>();
  let latest: string | null = null;
  return {
    get(hash) {
      const entry = entries.get(hash);
      if (entry) {
        // Map order is insertion order: re-inserting makes it the most recently used.
        entries.delete(hash);
        entries.set(hash, entry);
      }
      return entry;
    },
    set(hash, entry) {
      // Correctness never rests on this: every hit compares its entry's version with the
      // database's. Dropping entries of another version only keeps the map from holding dead ones.
      this.versionSeen(entry.version);
      entries.delete(hash);
      entries.set(hash, entry);
      while (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    versionSeen(version) {
      if (version === latest) return;
      latest = version;
      for (const [hash, entry] of entries) if (entry.version !== version) entries.delete(hash);
    },
    delete(hash) {
      entries.delete(hash);
    },
    get size() {
      return entries.size;
    },
  };
}
