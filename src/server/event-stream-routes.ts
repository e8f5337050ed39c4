// Live updates: GET /api/v1/events/stream, Server-Sent Events for the signed-in viewer. Each event
// is filtered by the viewer's permissions (notify/live-feed.ts) and carries ids and statuses only.
// A reconnect sends Last-Event-ID and gets what it missed. Every 15 s the stream re-checks the
// credential it was opened with, so a sign-out, an expired session or a disabled user ends it,
// and a change of groups applies to the events that follow.
import { streamSSE } from "hono/streaming";
import { liveEventsNote } from "../api/notifications.ts";
import { formatPosition, parsePosition } from "../events/event-feed.ts";
import type { AuthResult, RequestCredentials } from "../identity/authenticate-request.ts";
import type { LiveEvent, LiveFeed } from "../notify/live-feed.ts";
import type { RouteTable } from "./route.ts";

const RECHECK_MS = 15_000;
const RECONNECT_AFTER_END_MS = 100;

export function eventStreamRoutes(deps: {
  feed: LiveFeed;
  authenticate: (request: RequestCredentials) => Promise<AuthResult>;
}) {
  return (routes: RouteTable) => {
    routes.add({
      method: "get",
      path: "/api/v1/events/stream",
      summary: "Live updates (Server-Sent Events): approvals and runs you may see, as ids and statuses",
      tags: ["events"],
      auth: "principal",
      responses: {
        200: { description: "An event stream", schema: liveEventsNote, mediaTypes: ["text/event-stream"] },
      },
      async handler(c, { principal }) {
        const credentials: RequestCredentials = {
          authorization: c.req.header("authorization") ?? null,
          cookie: c.req.header("cookie") ?? null,
          method: "GET",
          url: c.req.url,
        };
        const from = parsePosition(c.req.header("last-event-id"));
        c.header("cache-control", "no-store");
        c.header("x-accel-buffering", "no");
        return streamSSE(c, async (stream) => {
          const queue: LiveEvent[] = [];
          let wake: (() => void) | null = null;
          let open = true;
          // Ended by the server (its instance is retired or closing), not by the browser.
          let ended = false;
          const viewer = {
            principal,
            send(event: LiveEvent) {
              queue.push(event);
              wake?.();
            },
            end() {
              ended = true;
              open = false;
              wake?.();
            },
          };
          const { position, off } = await deps.feed.subscribe(viewer, from);
          stream.onAbort(() => {
            open = false;
            wake?.();
          });
          let recheckAt = Date.now() + RECHECK_MS;
          try {
            // With the position as its id: a stream that drops before its first event resumes
            // from where it began (Last-Event-ID), so nothing of the gap is lost.
            await stream.writeSSE({ id: formatPosition(position), event: "ready", data: "{}", retry: 2_000 });
            while (open) {
              while (queue.length > 0 && open) {
                const event = queue.shift()!;
                await stream.writeSSE({ id: event.id, event: event.type, data: JSON.stringify(event.data) });
              }
              if (Date.now() >= recheckAt) {
                const again = await deps.authenticate(credentials);
                if (!again.principal || again.principal.id !== principal.id) break;
                viewer.principal = again.principal;
                recheckAt = Date.now() + RECHECK_MS;
                await stream.write(": keep-alive\n\n");
              }
              await new Promise<void>((resolve) => {
                wake = resolve;
                setTimeout(resolve, Math.max(0, recheckAt - Date.now())).unref();
              });
              wake = null;
            }
            // The browser reconnects at once (not after the usual 2 s), with Last-Event-ID.
            if (ended) await stream.write(`retry: ${RECONNECT_AFTER_END_MS}\n\n`);
          } finally {
            off();
          }
        });
      },
    });
  };
}
