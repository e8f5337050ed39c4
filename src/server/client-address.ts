// The client's address for the audit and the per-IP sign-in limit: the peer of the connection,
// unless the peer is a configured trusted proxy (config/trusted-proxies.ts). Then the forwarding
// header is read from the right: each trusted proxy appends the address it saw, so the rightmost
// address that is not a trusted proxy is the client. Whatever lies further left was written by
// the client itself and is not believed.
import { isIP } from "node:net";
import type { TrustedProxies } from "../config/trusted-proxies.ts";

export function clientAddress(
  peer: string | null,
  headers: { get(name: string): string | null },
  trusted: TrustedProxies,
): string | null {
  const direct = peer ? canonical(peer) : null;
  if (!direct || !trusted.includes(direct)) return direct;
  // X-Forwarded-For is what proxies set by default; Forwarded (RFC 7239) only when it is absent.
  // A proxy that sets only Forwarded must drop a client-sent X-Forwarded-For (docs/security.md).
  const forwardedFor = headers.get("x-forwarded-for");
  const hops = forwardedFor
    ? forwardedFor.split(",").map((hop) => hop.trim())
    : forwardedElements(headers.get("forwarded"));
  let client = direct;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonical(hops[i]!);
    // An entry that is no address ("unknown", garbage): stop at the last address we can vouch for.
    if (!hop) break;
    client = hop;
    if (!trusted.includes(hop)) break;
  }
  return client;
}

/** The `for=` values of a Forwarded header, in order (ports and brackets removed). */
function forwardedElements(header: string | null): string[] {
  if (!header) return [];
  return header.split(",").map((element) => {
    const match = /(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]*)/i.exec(element);
    let value = (match?.[1] ?? "").replace(/^"|"$/g, "");
    if (value.startsWith("[")) value = value.slice(1, value.indexOf("]"));
    else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.indexOf(":"));
    return value;
  });
}

/** A valid IP in one spelling (IPv4-mapped IPv6 as plain IPv4, zone ids dropped), or null. */
function canonical(address: string): string | null {
  const trimmed = address.trim().replace(/%.*$/, "").slice(0, 64);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const value = mapped ? mapped[1]! : trimmed;
  return isIP(value) === 0 ? null : value.toLowerCase();
}
