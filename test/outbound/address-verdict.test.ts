// The SSRF verdict corpus, as a pure function: no request is sent anywhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AddressRange, judgeAddress } from "../../src/outbound/address-verdict.ts";
import { normaliseHost, OutboundUrlError, parseOutboundUrl } from "../../src/outbound/outbound-url.ts";

// [address, range it falls in (null: a public address), allowed when marked internal]
const CORPUS: [string, AddressRange | null, boolean][] = [
  ["127.0.0.1", "loopback", true],
  ["127.255.255.254", "loopback", true],
  ["10.0.0.1", "private", true],
  ["10.255.255.255", "private", true],
  ["172.16.0.1", "private", true],
  ["172.31.255.255", "private", true],
  ["192.168.1.1", "private", true],
  ["169.254.0.1", "link_local", true],
  ["169.254.169.254", "metadata", false],
  ["100.100.100.200", "metadata", false],
  ["100.64.0.1", "cgnat", true],
  ["100.127.255.255", "cgnat", true],
  ["0.0.0.0", "unspecified", false],
  ["0.1.2.3", "reserved", true],
  ["224.0.0.1", "multicast", false],
  ["239.255.255.250", "multicast", false],
  ["255.255.255.255", "broadcast", false],
  ["240.0.0.1", "reserved", true],
  ["192.0.2.10", "documentation", true],
  ["198.51.100.7", "documentation", true],
  ["203.0.113.9", "documentation", true],
  ["198.18.0.1", "benchmarking", true],
  ["192.0.0.8", "reserved", true],
  ["::1", "loopback", true],
  ["::", "unspecified", false],
  ["::ffff:127.0.0.1", "loopback", true],
  ["::ffff:7f00:1", "loopback", true],
  ["0:0:0:0:0:ffff:a9fe:a9fe", "metadata", false],
  ["::ffff:10.1.2.3", "private", true],
  ["::ffff:8.8.8.8", null, true],
  ["::127.0.0.1", "reserved", true],
  ["64:ff9b::7f00:1", "loopback", true],
  ["64:ff9b::808:808", null, true],
  ["2002:7f00:1::", "loopback", true],
  ["2002:a9fe:a9fe::1", "metadata", false],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "tunnel", true],
  ["fe80::1", "link_local", true],
  ["fe80::1%eth0", "link_local", true],
  ["febf:ffff::1", "link_local", true],
  ["fec0::1", "link_local", true],
  ["fc00::1", "unique_local", true],
  ["fd00::1", "unique_local", true],
  ["fd12:3456:789a::1", "unique_local", true],
  ["fd00:ec2::254", "metadata", false],
  ["ff02::1", "multicast", false],
  ["2001:db8::1", "documentation", true],
  ["3fff::1", "documentation", true],
  ["100::1", "reserved", true],
  ["8.8.8.8", null, true],
  ["1.1.1.1", null, true],
  ["172.15.255.255", null, true],
  ["172.32.0.0", null, true],
  ["100.63.255.255", null, true],
  ["100.128.0.0", null, true],
  ["169.253.255.255", null, true],
  ["11.0.0.1", null, true],
  ["2606:4700:4700::1111", null, true],
  ["2a00:1450:4001:80b::200e", null, true],
  ["not-an-ip", "invalid", false],
  ["", "invalid", false],
  ["1.2.3", "invalid", false],
];

test("the verdict corpus: every refused range is refused, public addresses pass", () => {
  for (const [address, range, allowedInternal] of CORPUS) {
    const verdict = judgeAddress(address);
    if (range === null) {
      assert.equal(verdict.allowed, true, `${address} should be allowed`);
    } else {
      assert.equal(verdict.allowed, false, `${address} should be refused`);
      assert.equal(!verdict.allowed && verdict.range, range, `${address} falls in ${range}`);
      assert.match(
        !verdict.allowed ? verdict.reason : "",
        new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      );
    }
    assert.equal(
      judgeAddress(address, { internal: true }).allowed,
      allowedInternal,
      `${address} marked internal`,
    );
  }
});

test("numeric spellings of an address normalise to the address the socket would reach", () => {
  const cases: [string, string][] = [
    ["127.1", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0xa9.0xfe.0xa9.0xfe", "169.254.169.254"],
    ["[::1]", "::1"],
    ["::1", "::1"],
    ["[::ffff:127.0.0.1]", "::ffff:7f00:1"],
    ["[0:0:0:0:0:ffff:127.0.0.1]", "::ffff:7f00:1"],
    ["LocalHost.", "localhost"],
    ["Example.COM", "example.com"],
  ];
  for (const [written, normal] of cases) {
    assert.equal(normaliseHost(written), normal, written);
  }
  for (const [written] of cases.slice(0, 11)) {
    const verdict = judgeAddress(normaliseHost(written));
    assert.equal(verdict.allowed, false, `${written} must be refused`);
  }
});

test("outbound URLs: the literal address is found in every spelling; other schemes and credentials are refused", () => {
  for (const url of [
    "http://127.1/",
    "http://0x7f.0.0.1:8080/x",
    "http://2130706433/",
    "http://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/",
  ]) {
    const parsed = parseOutboundUrl(url);
    assert.ok(parsed.literal, `${url} has a literal address`);
    assert.equal(judgeAddress(parsed.literal).allowed, false, url);
  }
  assert.equal(parseOutboundUrl("https://api.example.com/v1").literal, null);
  assert.equal(parseOutboundUrl("https://api.example.com/v1").port, 443);
  for (const url of [
    "file:///etc/passwd",
    "gopher://127.0.0.1/",
    "ftp://example.com/",
    "http://user:pw@example.com/",
    "/relative",
  ]) {
    assert.throws(() => parseOutboundUrl(url), OutboundUrlError, url);
  }
});
