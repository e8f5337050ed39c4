import type { Hono } from "hono";
import type { AuthResult, RequestCredentials } from "../identity/authenticate-request.ts";
import type { AppEnv } from "./app-env.ts";

/** Resolves the caller for every /api request; routes declare whether they need one. */
export function authMiddleware(authenticate: (request: Required<RequestCredentials>) => Promise<AuthResult>) {
  return (app: Hono<AppEnv>) => {
    app.use("/api/*", async (c, next) => {
      const result = await authenticate({
        authorization: c.req.header("authorization") ?? null,
        cookie: c.req.header("cookie") ?? null,
        method: c.req.method,
        csrf: c.req.header("x-csrf-token") ?? null,
        origin: c.req.header("origin") ?? null,
        url: c.req.url,
      });
      c.set("principal", result.principal);
      c.set("authError", result.error);
      if (result.principal) c.set("log", c.get("log").child({ actorId: result.principal.id }));
      await next();
    });
  };
}
