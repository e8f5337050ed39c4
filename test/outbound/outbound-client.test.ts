// The outbound client against local servers only (127.0.0.1 and ::1, marked internal where a
// request is meant to arrive): no test sends a request toward any other address.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { OutboundError, outboundRequest } from "../../src/outbound/outbound-client.ts";

interface Local {
  server: Server;
  port: number;
  seen: IncomingMessage[];
}

async function listen(
  host: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Local> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

let v4: Local;
let v6: Local;
let silent: Local;
before(async () => {
  v4 = await listen("127.0.0.1", (req, res) => {
    if (req.url === "/big") return res.end(Buffer.alloc(2 * 1024 * 1024, 120));
    if (req.url === "/hop") return res.writeHead(302, { location: "/echo" }).end();
    if (req.url === "/away") return res.writeHead(302, { location: `http://[::1]:${v6.port}/echo` }).end();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ host: req.headers.host, path: req.url, method: req.method }));
  });
  v6 = await listen("::1", (_req, res) => res.end("v6"));
  silent = await listen("127.0.0.1", () => {});
});
after(() => {
  for (const local of [v4, v6, silent]) local.server.closeAllConnections();
  for (const local of [v4, v6, silent]) local.server.close();
});

test("loopback is refused before any byte is sent unless the destination is marked internal", async () => {
  for (const host of ["127.0.0.1", "127.1", "0x7f.0.0.1", "2130706433", "[::ffff:127.0.0.1]"]) {
    await assert.rejects(
      outboundRequest({ url: `http://${host}:${v4.port}/echo` }),
      (e: unknown) => e instanceof OutboundError && e.kind === "refused" && !e.mayHaveTakenEffect,
      host,
    );
  }
  await assert.rejects(outboundRequest({ url: `http://[::1]:${v6.port}/` }), OutboundError);
  assert.equal(v4.seen.length, 0);
  assert.equal(v6.seen.length, 0);
  const ok = await outboundRequest({ url: `http://127.1:${v4.port}/echo`, internal: true });
  assert.equal(ok.status, 200);
  assert.equal(ok.address, "127.0.0.1");
  const six = await outboundRequest({ url: `http://[::1]:${v6.port}/`, internal: true });
  assert.equal(six.body.toString(), "v6");
});

test("a name is resolved once and the connection goes to the judged address, with the name as Host", async () => {
  let lookups = 0;
  // A rebinding resolver: a different answer every time it is asked.
  const resolve = async () => (lookups++ === 0 ? ["127.0.0.1"] : ["169.254.169.254"]);
  const response = await outboundRequest(
    { url: `http://svc.test:${v4.port}/echo?a=1`, internal: true },
    { resolve },
  );
  assert.equal(lookups, 1);
  assert.equal(response.address, "127.0.0.1");
  assert.deepEqual(JSON.parse(response.body.toString()), {
    host: `svc.test:${v4.port}`,
    path: "/echo?a=1",
    method: "GET",
  });
  // The same name resolving to loopback without the internal mark: refused, nothing sent.
  const before = v4.seen.length;
  await assert.rejects(
    outboundRequest({ url: `http://svc.test:${v4.port}/echo` }, { resolve: async () => ["127.0.0.1"] }),
    (e: unknown) => e instanceof OutboundError && e.kind === "refused" && /loopback/.test(e.message),
  );
  // A name with one public and one internal answer is refused as a whole.
  await assert.rejects(
    outboundRequest(
      { url: `http://svc.test:${v4.port}/echo` },
      { resolve: async () => ["127.0.0.1", "::1"] },
    ),
    (e: unknown) => e instanceof OutboundError && e.kind === "refused",
  );
  assert.equal(v4.seen.length, before);
});

test("same-origin redirects are followed; a redirect to another host is refused and not requested", async () => {
  const hop = await outboundRequest({ url: `http://127.0.0.1:${v4.port}/hop`, internal: true });
  assert.equal(JSON.parse(hop.body.toString()).path, "/echo");
  await assert.rejects(
    outboundRequest({ url: `http://127.0.0.1:${v4.port}/away`, internal: true }),
    (e: unknown) => e instanceof OutboundError && e.kind === "refused" && /another host/.test(e.message),
  );
  assert.equal(v6.seen.length, 1, "only the direct request of the first test reached the other host");
  // A POST is never redirected: the 302 is the answer.
  const posted = await outboundRequest({
    url: `http://127.0.0.1:${v4.port}/hop`,
    method: "POST",
    body: "{}",
    internal: true,
  });
  assert.equal(posted.status, 302);
});

test("a response over the size limit is cut at the limit and marked", async () => {
  const response = await outboundRequest({
    url: `http://127.0.0.1:${v4.port}/big`,
    internal: true,
    maxResponseBytes: 1000,
  });
  assert.equal(response.body.length, 1000);
  assert.equal(response.truncated, true);
  const whole = await outboundRequest({ url: `http://127.0.0.1:${v4.port}/echo`, internal: true });
  assert.equal(whole.truncated, false);
});

test("no answer in time is a timeout that may have taken effect; a closed port is unavailable and did not", async () => {
  await assert.rejects(
    outboundRequest({
      url: `http://127.0.0.1:${silent.port}/`,
      method: "POST",
      body: "x",
      internal: true,
      timeoutMs: 300,
    }),
    (e: unknown) => e instanceof OutboundError && e.kind === "timeout" && e.mayHaveTakenEffect,
  );
  const closed = await listen("127.0.0.1", () => {});
  const port = closed.port;
  await new Promise((resolve) => closed.server.close(resolve));
  await assert.rejects(
    outboundRequest({ url: `http://127.0.0.1:${port}/`, method: "POST", internal: true }),
    (e: unknown) => e instanceof OutboundError && e.kind === "unavailable" && !e.mayHaveTakenEffect,
  );
});
