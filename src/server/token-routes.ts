// API tokens: people create and revoke their own (the CLI and scripts use them); admins create
// them for service identities and may revoke anyone's. A token is shown once, in the response
// that creates it; afterwards only its prefix is ever shown.
import type { Context } from "hono";
import type pg from "pg";
import { changeReason, changeRequested } from "../api/governance.ts";
import { adminTokenQuery, createdToken, tokenBody, tokenList } from "../api/tokens.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ChangeRequests } from "../governance/change-requests.ts";
import { type ChangeContext, changeEvent } from "../identity/admin-change.ts";
import { createApiToken, getToken, listTokens, revokeToken, type TokenView } from "../identity/api-tokens.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { requireWorkspaceAdmin } from "../identity/workspace-admin.ts";
import { scrubText } from "../pii/mask.ts";
import type { Database } from "../store/database.ts";
import { inTransaction } from "../store/transaction.ts";
import type { AppEnv } from "./app-env.ts";
import { answerChange } from "./governance-routes.ts";
import { json, type RouteTable } from "./route.ts";

export interface TokenRoutesDeps {
  database: Database;
  authorizer: Authorizer;
  changes: ChangeRequests;
}

/**
 * Minting needs a person signed in to the web UI (session cookie; the CSRF token is checked when
 * the session is resolved). A token minting tokens would let a credential outlive itself: the
 * child keeps working after the parent expires or is revoked.
 */
function requireSession(principal: Principal): void {
  if (principal.via !== "session") throw new AirlockError("token.session_required");
}

export function changeContext(c: Context<AppEnv>, actor: Principal): ChangeContext {
  return {
    actor,
    requestId: c.get("requestId"),
    client: { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") },
  };
}

/** Creates a token for `userId` with its `token.created` event; the only response with the secret. */
export async function issueToken(
  pool: pg.Pool,
  ctx: ChangeContext,
  raw: { userId: string; name: string; expiresAt: string | null | undefined },
): Promise<TokenView & { token: string }> {
  // A token's name is free text shown in lists and the audit: PII typed into it is masked first.
  const input = { ...raw, name: scrubText(raw.name) };
  const created = await inTransaction(pool, async (client) => {
    const token = await createApiToken(client, {
      userId: input.userId,
      name: input.name,
      createdBy: ctx.actor.id,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    await appendAudit(client, [
      changeEvent(
        ctx,
        "token.created",
        { type: "token", id: token.id },
        { owner: input.userId, name: input.name, prefix: token.prefix, expiresAt: input.expiresAt ?? null },
      ),
    ]);
    return token;
  });
  return { ...(await getToken(pool, created.id))!, token: created.token };
}

export function tokenRoutes(deps: TokenRoutesDeps) {
  const pool = deps.database.pool;
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/tokens",
      summary: "Create an API token for yourself (shown once); needs a signed-in session, not a token",
      tags: ["tokens"],
      auth: "principal",
      body: tokenBody,
      responses: { 201: { description: "The token, shown this once", schema: createdToken } },
      async handler(c, { principal, body }) {
        requireSession(principal);
        if (principal.kind !== "human")
          throw new AirlockError("permission.denied", "Tokens for service identities are created by admins.");
        const token = await issueToken(pool, changeContext(c, principal), {
          userId: principal.id,
          name: body.name,
          expiresAt: body.expiresAt,
        });
        c.header("Cache-Control", "no-store");
        return json(c, token, 201);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/tokens",
      summary: "Your API tokens (prefix, name, dates; never the token)",
      tags: ["tokens"],
      auth: "principal",
      responses: { 200: { description: "Your tokens", schema: tokenList } },
      async handler(c, { principal }) {
        return json(c, { tokens: await listTokens(pool, { userId: principal.id }) });
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/tokens/:id",
      summary: "Revoke one of your tokens (admins: anyone's); it stops working on the next request",
      tags: ["tokens"],
      auth: "principal",
      responses: { 204: { description: "Revoked" } },
      async handler(c, { principal }) {
        const token = await getToken(pool, c.req.param("id") ?? "");
        // Someone else's token is "not found" unless you administer the workspace: ids do not
        // tell a stranger that a token exists.
        const mine = token?.userId === principal.id;
        if (!token || (!mine && !(await deps.authorizer.isWorkspaceAdmin(principal))))
          throw new AirlockError("token.not_found");
        const ctx = changeContext(c, principal);
        await inTransaction(pool, async (client) => {
          if (!(await revokeToken(client, token.id))) return;
          await appendAudit(client, [
            changeEvent(
              ctx,
              "token.revoked",
              { type: "token", id: token.id },
              { owner: token.userId, name: token.name, prefix: token.prefix, byAdmin: !mine },
            ),
          ]);
        });
        return c.body(null, 204);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/admin/tokens",
      summary: "Admin: every API token, or one user's (userId)",
      tags: ["admin"],
      auth: "principal",
      query: adminTokenQuery,
      responses: { 200: { description: "The tokens", schema: tokenList } },
      async handler(c, { principal, query }) {
        await requireWorkspaceAdmin(deps.authorizer, pool, {
          ...changeContext(c, principal),
          route: c.req.routePath,
        });
        return json(c, { tokens: await listTokens(pool, { userId: query.userId }) });
      },
    });

    routes.add({
      method: "post",
      path: "/api/v1/admin/services/:id/tokens",
      summary:
        "Admin: create an API token for a service identity (shown once; held for a second admin when the service's grants are sensitive); needs a signed-in session",
      tags: ["admin"],
      auth: "principal",
      body: tokenBody.extend({ reason: changeReason }),
      responses: {
        201: { description: "The token, shown this once", schema: createdToken },
        202: {
          description:
            "Held as a change request; once approved, the requester collects the token (POST /api/v1/changes/{id}/token)",
          schema: changeRequested,
        },
      },
      async handler(c, { principal, body }) {
        requireSession(principal);
        const ctx = changeContext(c, principal);
        await requireWorkspaceAdmin(deps.authorizer, pool, { ...ctx, route: c.req.routePath });
        const outcome = await deps.changes.submit(
          ctx,
          {
            kind: "token.create",
            payload: { userId: c.req.param("id") ?? "", name: body.name, expiresAt: body.expiresAt ?? null },
          },
          body.reason,
        );
        c.header("Cache-Control", "no-store");
        return answerChange(c, outcome, (result) => json(c, result.token, 201));
      },
    });
  };
}
