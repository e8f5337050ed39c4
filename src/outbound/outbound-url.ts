// An outbound URL parsed the way the connection will see it. The WHATWG URL parser normalises the
// host the way browsers and `fetch` do: `127.1`, `0x7f.0.0.1`, `0177.0.0.1` and `2130706433` all
// become `127.0.0.1`, `[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`. Judging the normalised form
// (and, for names, the resolved address) leaves no spelling of an address unjudged.
import { isIP } from "node:net";

export interface OutboundUrl {
  url: URL;
  /** The host without IPv6 brackets, lower case, as DNS or the socket sees it. */
  hostname: string;
  /** The IP address when the host is a literal address, else null (a name to resolve). */
  literal: string | null;
  port: number;
  tls: boolean;
}

export class OutboundUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutboundUrlError";
  }
}

/** Parse an absolute http(s) URL for an outbound request; anything else throws OutboundUrlError. */
export function parseOutboundUrl(input: string | URL): OutboundUrl {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new OutboundUrlError("not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OutboundUrlError(`scheme ${url.protocol} is not allowed (http and https only)`);
  }
  // Credentials belong in a secret, not in a URL that ends up in logs.
  if (url.username || url.password) throw new OutboundUrlError("credentials in the URL are not allowed");
  const hostname = normaliseHost(url.hostname);
  const tls = url.protocol === "https:";
  return {
    url,
    hostname,
    literal: isIP(hostname) ? hostname : null,
    port: url.port ? Number(url.port) : tls ? 443 : 80,
    tls,
  };
}

/**
 * A host as written by a person (`127.1`, `[::1]`, `Example.COM.`) in the form the connection
 * uses: lower case, numeric IPv4 spellings expanded, IPv6 without brackets, no trailing dot.
 */
export function normaliseHost(host: string): string {
  let parsed: string;
  try {
    parsed = new URL(`http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}/`).hostname;
  } catch {
    throw new OutboundUrlError(`${JSON.stringify(host)} is not a valid host`);
  }
  const bare = parsed.startsWith("[") ? parsed.slice(1, -1) : parsed;
  return bare.endsWith(".") ? bare.slice(0, -1) : bare;
}
