// The UI as the server hands it out (no browser): security headers, the SPA fallback, caching of
// hashed assets, the API left alone, and a clear 503 page when the UI was never built.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Hono } from "hono";
import type { AppEnv } from "../../src/server/app-env.ts";
import { DEFAULT_WEB_DIST, webRoutes } from "../../src/server/web-routes.ts";
import { buildWeb } from "../../src/web/build.ts";
import { startTestAirlock, type TestAirlock } from "../support/test-airlock.ts";

let t: TestAirlock;

before(async () => {
  await buildWeb({ ifStale: true, quiet: true });
  t = await startTestAirlock();
});
after(async () => {
  await t.close();
});

function cspOf(response: Response): Record<string, string> {
  const header = response.headers.get("content-security-policy") ?? "";
  return Object.fromEntries(
    header.split(";").map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values.join(" ")];
    }),
  );
}

test("index.html: strict CSP with a fresh style nonce, no caching, security headers", async () => {
  const first = await t.request("/");
  assert.equal(first.status, 200);
  assert.match(first.headers.get("content-type") ?? "", /^text\/html/);
  assert.equal(first.headers.get("cache-control"), "no-cache");
  assert.equal(first.headers.get("x-content-type-options"), "nosniff");
  assert.equal(first.headers.get("x-frame-options"), "DENY");
  assert.equal(first.headers.get("referrer-policy"), "same-origin");
  const csp = cspOf(first);
  assert.equal(csp["default-src"], "'self'");
  assert.equal(csp["script-src"], "'self'", "no inline scripts, no eval");
  assert.equal(csp["frame-ancestors"], "'none'");
  assert.equal(csp["object-src"], "'none'");
  const nonce = /'nonce-([^']+)'/.exec(csp["style-src"] ?? "")?.[1];
  assert.ok(nonce, "styles by nonce, not 'unsafe-inline'");
  assert.doesNotMatch(csp["style-src"] ?? "", /unsafe-inline/);
  const html = await first.text();
  assert.ok(html.includes(`content="${nonce}"`), "the page carries its nonce for Mantine's <style> tags");
  assert.doesNotMatch(
    html,
    /<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/,
    "no inline script in the page",
  );
  const second = cspOf(await t.request("/"));
  assert.notEqual(second["style-src"], csp["style-src"], "a new nonce for every page load");
});

test("any other GET outside the API is the app (deep links work on reload)", async () => {
  for (const path of ["/runs/run_01ABC", "/approvals?tab=mine", "/admin/users", "/sign-in"]) {
    const response = await t.request(path);
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), /<div id="root"><\/div>/, path);
  }
});

test("hashed assets: long-lived cache, right type, gzip; a missing asset is a 404, not the app", async () => {
  const assets = readdirSync(join(DEFAULT_WEB_DIST, "assets"));
  const js = assets.find((name) => name.endsWith(".js"))!;
  const response = await t.request(`/assets/${js}`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.match(response.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  const missing = await t.request("/assets/nope-123.js");
  assert.equal(missing.status, 404);
  assert.doesNotMatch(await missing.text(), /<div id="root">/);
});

test("the API, health and SSO paths are never answered by the UI", async () => {
  const api = await t.request("/api/v1/nothing-here");
  assert.equal(api.status, 404);
  assert.equal(((await api.json()) as { error: { code: string } }).error.code, "request.not_found");
  const me = await t.request("/api/v1/me");
  assert.equal(me.status, 401);
  assert.equal((await t.request("/healthz")).status, 200);
  const sso = await t.request("/auth/oidc/login");
  assert.doesNotMatch(await sso.text(), /<div id="root">/);
});

test("paths that try to leave dist/web get the app, never a file from elsewhere", async () => {
  for (const path of [
    "/../package.json",
    "/%2e%2e/package.json",
    "/assets/..%2f..%2fpackage.json",
    "/%00.js",
  ]) {
    const response = await t.request(path);
    const text = await response.text();
    assert.doesNotMatch(text, /"name": "airlock"/, path);
  }
});

test("without a build, the UI paths answer 503 with what to run", async () => {
  const empty = mkdtempSync(join(tmpdir(), "airlock-no-web-"));
  try {
    const app = new Hono<AppEnv>();
    webRoutes({ distDir: empty })(app);
    const response = await app.request("/runs");
    assert.equal(response.status, 503);
    assert.match(await response.text(), /npm run build:web/);
    assert.ok(response.headers.get("content-security-policy"));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
