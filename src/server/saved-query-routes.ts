// Saved queries over HTTP: save a read-only SQL action with its parameters under a name, list your
// own, delete one. A bulk selection names one as `savedQuery` (bulk-routes.ts). Every check is in
// bulk/saved-queries.ts; this file declares the contract (src/api/saved-queries.ts).

import type { Context } from "hono";
import { savedQuery, savedQueryBody, savedQueryList } from "../api/saved-queries.ts";
import type { SavedQueries } from "../bulk/saved-queries.ts";
import type { AppEnv } from "./app-env.ts";
import { json, type RouteTable } from "./route.ts";

function client(c: Context<AppEnv>) {
  return { clientIp: c.get("clientIp"), userAgent: c.get("userAgent") };
}

export function savedQueryRoutes(deps: { savedQueries: SavedQueries }) {
  const { savedQueries } = deps;
  return (routes: RouteTable) => {
    routes.add({
      method: "post",
      path: "/api/v1/saved-queries",
      summary:
        "Save a read-only SQL action with its parameters under a name, to start bulk batches from its rows",
      tags: ["bulk"],
      auth: "principal",
      body: savedQueryBody,
      responses: { 201: { description: "Saved", schema: savedQuery } },
      async handler(c, { principal, body }) {
        const saved = await savedQueries.create(
          { principal, requestId: c.get("requestId"), client: client(c) },
          body,
        );
        return json(c, saved, 201);
      },
    });

    routes.add({
      method: "get",
      path: "/api/v1/saved-queries",
      summary: "Your saved queries, newest first",
      tags: ["bulk"],
      auth: "principal",
      responses: { 200: { description: "Your saved queries", schema: savedQueryList } },
      async handler(c, { principal }) {
        return json(c, { savedQueries: await savedQueries.list(principal) });
      },
    });

    routes.add({
      method: "delete",
      path: "/api/v1/saved-queries/:id",
      summary: "Delete one of your saved queries",
      tags: ["bulk"],
      auth: "principal",
      responses: { 204: { description: "Deleted" } },
      async handler(c, { principal }) {
        await savedQueries.remove(
          { principal, requestId: c.get("requestId"), client: client(c) },
          c.req.param("id") ?? "",
        );
        return c.body(null, 204);
      },
    });
  };
}
