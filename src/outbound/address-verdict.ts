// Whether an outbound request may connect to an address, judged on the address DNS resolved to
// (or the literal in the URL), never on the name: a public-looking name can resolve to 127.0.0.1,
// and `0x7f.1` or `::ffff:127.0.0.1` are loopback in disguise. A pure function, so the whole
// corpus is a table test.
import { isIP } from "node:net";

/** Why an address is refused. `internal` ranges may be reached by a destination an admin marked internal. */
export type AddressRange =
  | "loopback"
  | "private"
  | "link_local"
  | "cgnat"
  | "unique_local"
  | "documentation"
  | "benchmarking"
  | "reserved"
  | "metadata"
  | "multicast"
  | "unspecified"
  | "broadcast"
  | "tunnel"
  | "invalid";

export type AddressVerdict =
  | { allowed: true; address: string; family: 4 | 6 }
  | { allowed: false; address: string; range: AddressRange; reason: string };

export interface VerdictOptions {
  /** An admin marked the destination internal: private, loopback and similar ranges are allowed. */
  internal?: boolean;
}

// Never a valid destination, internal or not: cloud metadata services hand out credentials, and
// unspecified, multicast and broadcast addresses are not one host.
const ALWAYS_REFUSED: ReadonlySet<AddressRange> = new Set([
  "metadata",
  "multicast",
  "unspecified",
  "broadcast",
  "invalid",
]);

interface Block {
  bytes: number[];
  prefix: number;
  range: AddressRange;
}

function v4(cidr: string, range: AddressRange): Block {
  const [address, prefix] = cidr.split("/") as [string, string];
  return { bytes: address.split(".").map(Number), prefix: Number(prefix), range };
}

function v6(cidr: string, range: AddressRange): Block {
  const [address, prefix] = cidr.split("/") as [string, string];
  return { bytes: [...ipv6Bytes(address)!], prefix: Number(prefix), range };
}

// Order matters: the first matching block names the range (metadata before link-local).
const IPV4_BLOCKS: Block[] = [
  v4("169.254.169.254/32", "metadata"),
  v4("100.100.100.200/32", "metadata"), // Alibaba Cloud
  v4("0.0.0.0/32", "unspecified"),
  v4("0.0.0.0/8", "reserved"),
  v4("10.0.0.0/8", "private"),
  v4("100.64.0.0/10", "cgnat"),
  v4("127.0.0.0/8", "loopback"),
  v4("169.254.0.0/16", "link_local"),
  v4("172.16.0.0/12", "private"),
  v4("192.0.0.0/24", "reserved"),
  v4("192.0.2.0/24", "documentation"),
  v4("192.88.99.0/24", "reserved"),
  v4("192.168.0.0/16", "private"),
  v4("198.18.0.0/15", "benchmarking"),
  v4("198.51.100.0/24", "documentation"),
  v4("203.0.113.0/24", "documentation"),
  v4("224.0.0.0/4", "multicast"),
  v4("255.255.255.255/32", "broadcast"),
  v4("240.0.0.0/4", "reserved"),
];

const IPV6_BLOCKS: Block[] = [
  v6("::/128", "unspecified"),
  v6("::1/128", "loopback"),
  v6("fd00:ec2::254/128", "metadata"), // AWS instance metadata over IPv6
  v6("::/96", "reserved"), // IPv4-compatible, deprecated
  v6("64:ff9b:1::/48", "reserved"), // local-use NAT64
  v6("100::/64", "reserved"), // discard-only
  v6("2001::/32", "tunnel"), // Teredo: the IPv4 inside is obfuscated
  v6("2001:2::/48", "benchmarking"),
  v6("2001:10::/28", "reserved"), // ORCHID
  v6("2001:20::/28", "reserved"), // ORCHIDv2
  v6("2001:db8::/32", "documentation"),
  v6("3fff::/20", "documentation"),
  v6("fc00::/7", "unique_local"),
  v6("fe80::/10", "link_local"),
  v6("fec0::/10", "link_local"), // site-local, deprecated
  v6("ff00::/8", "multicast"),
];

const REASONS: Record<AddressRange, string> = {
  loopback: "a loopback address (this machine)",
  private: "a private network address",
  link_local: "a link-local address",
  cgnat: "a carrier-grade NAT address (100.64.0.0/10)",
  unique_local: "an IPv6 unique local address (fc00::/7)",
  documentation: "a documentation address range",
  benchmarking: "a benchmarking address range",
  reserved: "a reserved address range",
  metadata: "a cloud metadata service address",
  multicast: "a multicast address",
  unspecified: "the unspecified address",
  broadcast: "the broadcast address",
  tunnel: "a tunnelling address whose real destination cannot be judged",
  invalid: "not an IP address",
};

/**
 * Judge a resolved address. Refused: loopback, private, link-local, CGNAT, unique local,
 * documentation, benchmarking and reserved ranges (allowed when the destination is `internal`),
 * and always cloud metadata, multicast, broadcast and unspecified addresses. IPv4 inside IPv6
 * (`::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is judged as the IPv4 it carries.
 */
export function judgeAddress(address: string, options: VerdictOptions = {}): AddressVerdict {
  const range = rangeOf(address);
  if (range === null) return { allowed: true, address, family: isIP(address) === 6 ? 6 : 4 };
  if (options.internal && !ALWAYS_REFUSED.has(range)) {
    return { allowed: true, address, family: isIP(address) === 6 ? 6 : 4 };
  }
  return { allowed: false, address, range, reason: `${address} is ${REASONS[range]}` };
}

function rangeOf(address: string): AddressRange | null {
  const family = isIP(address);
  if (family === 4) return match(address.split(".").map(Number), IPV4_BLOCKS);
  if (family !== 6) return "invalid";
  const bytes = ipv6Bytes(address);
  if (!bytes) return "invalid";
  const embedded = embeddedIpv4(bytes);
  if (embedded) return match(embedded, IPV4_BLOCKS);
  return match([...bytes], IPV6_BLOCKS);
}

function match(bytes: number[], blocks: Block[]): AddressRange | null {
  for (const block of blocks) {
    if (block.bytes.length === bytes.length && inPrefix(bytes, block.bytes, block.prefix)) return block.range;
  }
  return null;
}

function inPrefix(bytes: number[], network: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const take = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const i = bit / 8;
    if (((bytes[i] ?? 0) & mask) !== ((network[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IPv4 address an IPv6 address carries and routes to, if any. */
function embeddedIpv4(bytes: Uint8Array): number[] | null {
  const zero = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  // ::ffff:a.b.c.d (IPv4-mapped): the socket connects to the IPv4 address.
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return [...bytes.subarray(12, 16)];
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) {
    return [...bytes.subarray(12, 16)];
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return [...bytes.subarray(2, 6)];
  return null;
}

/** The 16 bytes of an IPv6 address (with or without a zone or an embedded dotted quad), or null. */
export function ipv6Bytes(text: string): Uint8Array | null {
  let address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = address.indexOf("%");
  if (zone >= 0) address = address.slice(0, zone);
  const groups: number[] = [];
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        if (isIP(piece) !== 4) return null;
        const [a, b, c, d] = piece.split(".").map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]!);
  if (!head) return null;
  if (halves.length === 2) {
    const tail = parseGroups(halves[1]!);
    if (!tail || head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    if (head.length !== 8) return null;
    groups.push(...head);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}
