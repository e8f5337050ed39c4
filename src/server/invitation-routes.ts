// Invitations: the person opens their one-time link, sees whom it invites, and sets their own
// password (which signs them in); an admin can send a new link to someone who has not set one
// yet. The token travels in request bodies only, never in a URL, so no access log holds it.
import {
  invitationAcceptBody,
  invitationLookup,
  invitationLookupBody,
  invitationSent,
} from "../api/governance.ts";
import { sessionResponse } from "../api/session.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { inviteAgain } from "../governance/invitation-mail.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { originAllowed } from "../identity/csrf.ts";
import { acceptInvitation, lookupInvitation } from "../identity/invitations.ts";
import { readCookie, sessionRef, startSession } from "../identity/sessions.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import type { Database } from "../store/database.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { json, type RouteTable } from "./route.ts";
import { answerSession, expectedOrigin, type WebSecurity } from "./session-routes.ts";
import { changeContext } from "./token-routes.ts";

export interface InvitationRoutesDeps {
  database: Database;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  web: WebSecurity;
}

export function invitationRoutes(deps: InvitationRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/invitations/lookup",
      summary: "Whom an invitation link invites, and until when it works (before they choose a password)",
      tags: ["session"],
      auth: "public",
      body: invitationLookupBody,
      bodyLimit: 1024,
      responses: { 200: { description: "The invited person", schema: invitationLookup } },
      async handler(c, { body }) {
        c.header("Cache-Control", "no-store");
        const found = await lookupInvitation(pool, body.token);
        return json(c, { ...found, expiresAt: found.expiresAt.toISOString() });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/invitations/accept",
      summary: "Set your own password through your invitation link (once), and sign in",
      tags: ["session"],
      auth: "public",
      body: invitationAcceptBody,
      bodyLimit: 8 * 1024,
      responses: { 200: { description: "Password set; signed in", schema: sessionResponse } },
      async handler(c, { body }) {
        // As sign-in: another site must not sign the browser into an account of its choosing.
        if (!originAllowed(c.req.header("origin"), expectedOrigin(c, deps.web)))
          throw new AirlockError("auth.csrf_failed", "Cross-origin sign-in is not allowed.");
        const client = { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") };
        const requestId = c.get("requestId");
        const { userId, session } = await acceptInvitation(
          pool,
          { token: body.token, password: body.password, client, requestId },
          async (tx, userId) => {
            const session = await startSession(tx, {
              userId,
              client,
              replacing: readCookie(c.req.header("cookie") ?? null, deps.web.sessionCookie),
            });
            await tx.query("UPDATE airlock.users SET last_login_at = now() WHERE id = $1", [userId]);
            await appendAudit(tx, [
              {
                type: "session.login",
                outcome: "success",
                actorId: userId,
                actorKind: "human",
                requestId,
                data: { method: "invitation", session: sessionRef(session.idHash) },
                clientIp: client.clientIp,
                userAgent: client.userAgent,
              },
            ]);
            return { userId, session };
          },
        );
        return await answerSession(c, deps, userId, session);
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/users/:id/invitation",
      summary:
        "Admin: send a new invitation link to a person who has not set a password yet (earlier links stop working)",
      tags: ["admin"],
      auth: "principal",
      responses: { 201: { description: "Sent (to the person's own email)", schema: invitationSent } },
      async handler(c, { principal }) {
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        const sent = await inviteAgain(pool, ctx, deps.workspace, c.req.param("id") ?? "");
        return json(c, { ...sent, expiresAt: sent.expiresAt.toISOString() }, 201);
      },
    });
  };
}
