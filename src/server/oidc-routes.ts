// Single sign-on with an OpenID provider: /auth/oidc/login sends the browser to the provider,
// /auth/oidc/callback brings it back with a code, and ends in a normal Airlock session. These are
// browser navigations (GET by the OAuth protocol), outside /api; the state row they create and
// consume is protected by state, nonce, PKCE and a browser-binding cookie (identity/oidc-client.ts).
import type { Context } from "hono";
import { oidcLoginQuery } from "../api/session.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { type OidcClient, type OidcIdentity, safeReturnTo } from "../identity/oidc-client.ts";
import { auditOidcFailure, oidcSignIn } from "../identity/oidc-login.ts";
import { readCookie } from "../identity/sessions.ts";
import type { Database } from "../store/database.ts";
import type { AppEnv } from "./app-env.ts";
import type { RouteTable } from "./route.ts";
import { clearCookie, setCookie, type WebSecurity } from "./session-routes.ts";

export interface OidcRoutesDeps {
  database: Database;
  oidc: OidcClient | null;
  web: WebSecurity;
  /** AIRLOCK_PUBLIC_URL; without it, the origin the request was addressed to. */
  publicUrl: string | null;
}

const FLOW_COOKIE_SECONDS = 600;

export function flowCookieName(web: WebSecurity): string {
  return web.secure ? "__Host-airlock_oidc" : "airlock_oidc";
}

export function oidcRoutes(deps: OidcRoutesDeps) {
  const pool = deps.database.pool;
  const redirectUri = (c: Context<AppEnv>) =>
    `${(deps.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, "")}/auth/oidc/callback`;
  const requireOidc = (): OidcClient => {
    if (!deps.oidc) throw new AirlockError("auth.oidc_not_configured");
    return deps.oidc;
  };

  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/auth/oidc/login",
      summary: "Start single sign-on: redirects to the OpenID provider",
      tags: ["session"],
      auth: "public",
      query: oidcLoginQuery,
      responses: { 302: { description: "To the provider's authorization endpoint" } },
      async handler(c, { query }) {
        const oidc = requireOidc();
        const client = { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") };
        try {
          const { url, browserBinding } = await oidc.begin(pool, {
            redirectUri: redirectUri(c),
            returnTo: safeReturnTo(query.returnTo),
          });
          setCookie(c, deps.web, flowCookieName(deps.web), browserBinding, FLOW_COOKIE_SECONDS);
          c.header("Cache-Control", "no-store");
          return c.redirect(url, 302);
        } catch (error) {
          if (error instanceof AirlockError)
            await auditOidcFailure(pool, error, { client, requestId: c.get("requestId") });
          throw error;
        }
      },
    });

    routes.add({
      method: "get",
      path: "/auth/oidc/callback",
      summary: "Where the OpenID provider returns; signs in and redirects to where sign-in started",
      tags: ["session"],
      auth: "public",
      responses: { 302: { description: "Signed in; to the page sign-in started from" } },
      async handler(c) {
        const oidc = requireOidc();
        const client = { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") };
        const requestId = c.get("requestId");
        const cookieHeader = c.req.header("cookie") ?? null;
        // The flow cookie is single-use whatever happens next.
        clearCookie(c, deps.web, flowCookieName(deps.web));
        let identity: OidcIdentity | null = null;
        try {
          const completed = await oidc.complete(pool, {
            query: new URL(c.req.url).searchParams,
            browserBinding: readCookie(cookieHeader, flowCookieName(deps.web)),
          });
          identity = completed.identity;
          const { session } = await oidcSignIn(pool, {
            identity,
            client,
            requestId,
            previousCookie: readCookie(cookieHeader, deps.web.sessionCookie),
          });
          setCookie(
            c,
            deps.web,
            deps.web.sessionCookie,
            session.cookieValue,
            (session.absoluteExpiresAt.getTime() - Date.now()) / 1000,
          );
          c.header("Cache-Control", "no-store");
          return c.redirect(completed.returnTo, 302);
        } catch (error) {
          if (error instanceof AirlockError)
            await auditOidcFailure(pool, error, { client, requestId, identity });
          throw error;
        }
      },
    });
  };
}
