// AIRLOCK_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For / Forwarded headers are
// believed. Any client can write those headers; only a proxy we run appends the address it saw.
// Believing them from anyone let a password spray rotate the header past the per-IP limit.
import { BlockList, isIP } from "node:net";

/** Parses the comma-separated list of IPs and CIDRs; throws naming the first bad entry. */
export function parseTrustedProxies(text: string): string[] {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address = "", prefix, ...rest] = entry.split("/");
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
    if (family === 0 || !prefixOk || rest.length > 0)
      throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)`);
  }
  return entries;
}

export interface TrustedProxies {
  /** Whether a connection from this address may speak for the client behind it. */
  includes(address: string): boolean;
}

export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIP(address) === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return {
    includes(address) {
      if (entries.length === 0) return false;
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
    },
  };
}
