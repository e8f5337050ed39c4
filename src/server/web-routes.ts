// The web UI, served from the built assets in dist/web (`npm run build:web`; `airlock start` and
// `npm install` build it when stale). Every GET that is not the API, SSO, health or metrics gets
// the single-page app's index.html, so a deep link (/runs/run_…) works on reload.
//
// Security headers: a Content-Security-Policy with no inline script at all (scripts only from
// this origin). Mantine writes a few <style> tags at run time; they carry a nonce made fresh for
// each page load and put into index.html here, so styles need no 'unsafe-inline' either.
import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Context, Hono } from "hono";
import type { AppEnv } from "./app-env.ts";

export const DEFAULT_WEB_DIST = fileURLToPath(new URL("../../dist/web", import.meta.url));

/** Paths that belong to the server, never to the UI's router. */
const SERVER_PATHS = /^\/(api|auth)(\/|$)|^\/(healthz|readyz|metrics)$/;
const NONCE_PLACEHOLDER = "__AIRLOCK_STYLE_NONCE__";
// Hashed file names (index-B3xk9.js) never change content: cache them for a year.
const IMMUTABLE = "public, max-age=31536000, immutable";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".map": "application/json",
};
const COMPRESSIBLE = new Set([".js", ".mjs", ".css", ".html", ".svg", ".json", ".txt", ".map"]);

export function contentSecurityPolicy(styleNonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function securityHeaders(c: Context<AppEnv>, csp: string): void {
  c.header("Content-Security-Policy", csp);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "same-origin");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
}

interface CachedFile {
  mtimeMs: number;
  raw: Buffer;
  gzip: Buffer | null;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Airlock: the web UI is not built</title></head>
<body><main>
<h1>The web UI is not built yet</h1>
<p>The Airlock server and its API are running, but the browser UI has not been built.</p>
<p>Run <code>npm run build:web</code> (or <code>npm install</code>, which builds it), then reload this page.</p>
<p>The API is available under <a href="/api/v1/openapi.json">/api/v1</a>.</p>
</main></body></html>`;

export function webRoutes(options: { distDir?: string } = {}) {
  const dist = resolve(options.distDir ?? DEFAULT_WEB_DIST);
  const cache = new Map<string, CachedFile>();

  async function load(path: string): Promise<CachedFile | null> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const cached = cache.get(path);
    if (cached && cached.mtimeMs === info.mtimeMs) return cached;
    const raw = await readFile(path);
    const file = {
      mtimeMs: info.mtimeMs,
      raw,
      gzip: COMPRESSIBLE.has(extname(path)) && raw.length > 1024 ? gzipSync(raw) : null,
    };
    cache.set(path, file);
    return file;
  }

  /** The file under dist for a URL path, or null when the path would leave dist. */
  function inDist(urlPath: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes("\0")) return null;
    const full = resolve(dist, `.${decoded}`);
    return full.startsWith(dist + sep) ? full : null;
  }

  async function indexPage(c: Context<AppEnv>): Promise<Response> {
    const nonce = randomBytes(16).toString("base64");
    securityHeaders(c, contentSecurityPolicy(nonce));
    c.header("Cache-Control", "no-cache");
    const index = await load(resolve(dist, "index.html"));
    if (!index) {
      c.header("Retry-After", "30");
      return c.html(NOT_BUILT, 503);
    }
    return c.html(index.raw.toString("utf8").replaceAll(NONCE_PLACEHOLDER, nonce));
  }

  return (app: Hono<AppEnv>) => {
    app.get("*", async (c, next) => {
      const path = c.req.path;
      if (SERVER_PATHS.test(path)) return next();
      const full = inDist(path);
      const isAsset = path.startsWith("/assets/");
      if (full && path !== "/" && path !== "/index.html" && extname(full) !== "") {
        const file = await load(full);
        if (file) {
          const ext = extname(full);
          securityHeaders(c, contentSecurityPolicy(randomBytes(16).toString("base64")));
          c.header("Content-Type", TYPES[ext] ?? "application/octet-stream");
          c.header("Cache-Control", isAsset ? IMMUTABLE : "no-cache");
          c.header("Vary", "Accept-Encoding");
          const gzip = file.gzip && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
          if (gzip) c.header("Content-Encoding", "gzip");
          return c.body(new Uint8Array(gzip ? file.gzip! : file.raw));
        }
        if (isAsset) {
          c.header("Cache-Control", "no-store");
          return c.text("Not found", 404);
        }
      }
      return indexPage(c);
    });
  };
}
