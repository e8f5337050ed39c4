// Identity and access, assembled for the composition root: how requests are authenticated
// (API token or session cookie, with CSRF for cookies) and the routes for sessions, SSO, tokens
// and administration. Cookie security follows AIRLOCK_PUBLIC_URL: https means `Secure` cookies
// with the `__Host-` prefix, and its origin is the only one allowed to change state.
import type { Config } from "../config/config.ts";
import type { ChangeRequests } from "../governance/change-requests.ts";
import { authenticateRequest, type RequestCredentials } from "../identity/authenticate-request.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { createOidcClient } from "../identity/oidc-client.ts";
import { createSessionResolver, sessionCookieName } from "../identity/sessions.ts";
import { createTokenCache } from "../identity/token-cache.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { adminAccessRoutes } from "./admin-access-routes.ts";
import { adminUserRoutes } from "./admin-user-routes.ts";
import type { RouteGroup } from "./app.ts";
import { invitationRoutes } from "./invitation-routes.ts";
import { oidcRoutes } from "./oidc-routes.ts";
import { sessionRoutes, type WebSecurity } from "./session-routes.ts";
import { tokenRoutes } from "./token-routes.ts";

export function webSecurityFor(publicUrl: string | null): WebSecurity {
  const secure = publicUrl !== null && new URL(publicUrl).protocol === "https:";
  return {
    secure,
    sessionCookie: sessionCookieName(secure),
    publicOrigin: publicUrl ? new URL(publicUrl).origin : null,
  };
}

export function identityAccess(deps: {
  config: Config;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  database: Database;
  changes: ChangeRequests;
}) {
  const { config, workspace, authorizer, database, changes } = deps;
  const web = webSecurityFor(config.publicUrl);
  const sessions = createSessionResolver({ cookieName: web.sessionCookie, publicOrigin: web.publicOrigin });
  const oidc = config.oidc ? createOidcClient(config.oidc) : null;
  const tokens = createTokenCache();
  const routes: RouteGroup[] = [
    sessionRoutes({ database, workspace, authorizer, web, oidcEnabled: oidc !== null }),
    oidcRoutes({ database, oidc, web, publicUrl: config.publicUrl }),
    tokenRoutes({ database, authorizer, changes }),
    adminUserRoutes({ database, workspace, authorizer, changes }),
    adminAccessRoutes({ database, workspace, authorizer, changes }),
    invitationRoutes({ database, workspace, authorizer, web }),
  ];
  return {
    web,
    authenticate: (request: RequestCredentials) =>
      authenticateRequest(database.pool, request, sessions, tokens),
    routes,
  };
}
