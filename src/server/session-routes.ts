// Signing in and out with a password, who am I, and which sign-in methods exist. The session
// itself lives in PostgreSQL (identity/sessions.ts); the browser holds only a random cookie.
import type { Context } from "hono";
import { passwordChangeBody } from "../api/governance.ts";
import { loginBody, me, providers, sessionResponse, sessionState } from "../api/session.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { originAllowed } from "../identity/csrf.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { passwordLogin } from "../identity/password-login.ts";
import { permissionSummary } from "../identity/permission-summary.ts";
import type { Principal } from "../identity/principal.ts";
import { endSession, type NewSession, readCookie, sessionRef } from "../identity/sessions.ts";
import type { Database } from "../store/database.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { AppEnv } from "./app-env.ts";
import { json, type RouteTable } from "./route.ts";

/** Cookie and origin settings, from AIRLOCK_PUBLIC_URL. */
export interface WebSecurity {
  /** Served over TLS: cookies get `Secure` and the `__Host-` prefix. */
  secure: boolean;
  sessionCookie: string;
  /** Origin of the public URL, or null to use the origin each request was addressed to. */
  publicOrigin: string | null;
}

export function expectedOrigin(c: Context<AppEnv>, web: WebSecurity): string {
  return web.publicOrigin ?? new URL(c.req.url).origin;
}

export function setCookie(
  c: Context<AppEnv>,
  web: WebSecurity,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  const attributes = [
    `${name}=${value}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(web.secure ? ["Secure"] : []),
  ];
  c.header("Set-Cookie", attributes.join("; "), { append: true });
}

export function clearCookie(c: Context<AppEnv>, web: WebSecurity, name: string): void {
  setCookie(c, web, name, "", 0);
}

export interface SessionRoutesDeps {
  database: Database;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  web: WebSecurity;
  oidcEnabled: boolean;
}

export async function describePrincipal(deps: SessionRoutesDeps, principal: Principal) {
  // Fresh grants and break-glass elevations first: an emergency role counts from its first second.
  await deps.authorizer.grants();
  return {
    user: { id: principal.id, kind: principal.kind, name: principal.name, email: principal.email },
    groups: principal.groups,
    roles: deps.authorizer.rolesOf(principal),
  };
}

async function elevationView(authorizer: Authorizer, principal: Principal) {
  const elevation = await authorizer.elevation(principal);
  return elevation
    ? { id: elevation.id, role: elevation.role, endsAt: elevation.endsAt.toISOString() }
    : null;
}

/** Sets the session cookie and answers who signed in, with the CSRF token. */
export async function answerSession(
  c: Context<AppEnv>,
  deps: Pick<SessionRoutesDeps, "database" | "authorizer" | "web">,
  userId: string,
  session: NewSession,
) {
  const principal = (await loadPrincipal(deps.database.pool, userId, "session"))!;
  setCookie(
    c,
    deps.web,
    deps.web.sessionCookie,
    session.cookieValue,
    (session.absoluteExpiresAt.getTime() - Date.now()) / 1000,
  );
  c.header("Cache-Control", "no-store");
  return json(c, {
    user: { id: principal.id, kind: principal.kind, name: principal.name, email: principal.email },
    groups: principal.groups,
    roles: deps.authorizer.rolesOf(principal),
    csrfToken: session.csrfToken,
    session: {
      idleExpiresAt: session.idleExpiresAt.toISOString(),
      absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    },
  });
}

export function sessionRoutes(deps: SessionRoutesDeps) {
  const pool = deps.database.pool;

  async function signIn(c: Context<AppEnv>, email: string, password: string, newPassword?: string) {
    // Login CSRF: another site must not sign the browser into an account of its choosing.
    if (!originAllowed(c.req.header("origin"), expectedOrigin(c, deps.web)))
      throw new AirlockError("auth.csrf_failed", "Cross-origin sign-in is not allowed.");
    const client = { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") };
    const { user, session } = await passwordLogin(pool, {
      email,
      password,
      client,
      // The peer, or the client a trusted proxy names (app.ts): never a header anyone can write.
      throttleIp: client.clientIp,
      requestId: c.get("requestId"),
      previousCookie: readCookie(c.req.header("cookie") ?? null, deps.web.sessionCookie),
      ...(newPassword === undefined ? {} : { newPassword }),
    }).catch((error: unknown) => {
      const retryAfter = error instanceof AirlockError ? error.details?.retryAfterSeconds : undefined;
      if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
      throw error;
    });
    return await answerSession(c, deps, user.id, session);
  }

  const meOf = async (principal: Principal) => ({
    ...(await describePrincipal(deps, principal)),
    via: principal.via,
    ...(principal.via === "session" ? { csrfToken: principal.csrfToken } : {}),
    permissions: await permissionSummary(deps.authorizer, deps.workspace, principal),
    breakGlass: await elevationView(deps.authorizer, principal),
  });
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/session",
      summary: "Sign in with email and password; sets the session cookie and returns the CSRF token",
      tags: ["session"],
      auth: "public",
      body: loginBody,
      bodyLimit: 8 * 1024,
      responses: { 200: { description: "Signed in", schema: sessionResponse } },
      async handler(c, { body }) {
        return await signIn(c, body.email, body.password);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/session/password",
      summary:
        "Choose your own password in place of the one you were given, and sign in (a password someone else chose opens no session)",
      tags: ["session"],
      auth: "public",
      body: passwordChangeBody,
      bodyLimit: 8 * 1024,
      responses: { 200: { description: "Password changed; signed in", schema: sessionResponse } },
      async handler(c, { body }) {
        return await signIn(c, body.email, body.currentPassword, body.newPassword);
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/session",
      summary: "Sign out: the session stops working on the next request",
      tags: ["session"],
      auth: "principal",
      responses: { 204: { description: "Signed out" } },
      async handler(c, { principal }) {
        // A bearer-token request has no session to end (revoke tokens under /api/v1/tokens).
        if (principal.via === "session" && principal.sessionId) {
          const idHash = principal.sessionId;
          await inTransaction(pool, async (client) => {
            if (!(await endSession(client, idHash))) return;
            await appendAudit(client, [
              {
                type: "session.logout",
                outcome: "success",
                actorId: principal.id,
                actorKind: principal.kind,
                requestId: c.get("requestId"),
                data: { session: sessionRef(idHash) },
                clientIp: c.get("clientIp"),
                userAgent: c.get("userAgent"),
              },
            ]);
          });
          clearCookie(c, deps.web, deps.web.sessionCookie);
        }
        return c.body(null, 204);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/me",
      summary: "Who you are, your groups and roles, what you may do, and (sessions) your CSRF token",
      tags: ["session"],
      auth: "principal",
      responses: { 200: { description: "You", schema: me } },
      async handler(c, { principal }) {
        c.header("Cache-Control", "no-store");
        return json(c, await meOf(principal));
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/session",
      summary: "Who is signed in, or null: what the web console asks on load (200 either way)",
      tags: ["session"],
      auth: "public",
      responses: { 200: { description: "You, or null when not signed in", schema: sessionState } },
      async handler(c) {
        c.header("Cache-Control", "no-store");
        const principal = c.get("principal");
        return json(c, { me: principal ? await meOf(principal) : null });
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/auth/providers",
      summary: "How one may sign in here: password, and single sign-on when configured",
      tags: ["session"],
      auth: "public",
      responses: { 200: { description: "The sign-in methods", schema: providers } },
      async handler(c) {
        return json(c, {
          password: true,
          oidc: deps.oidcEnabled ? { enabled: true, loginUrl: "/auth/oidc/login" } : { enabled: false },
        });
      },
    });
  };
}
