// Puts the app on a socket, and takes it off again gracefully: stop accepting, let requests in
// flight finish (up to a limit), then close.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { StartupError } from "../errors/startup-error.ts";
import type { AppEnv } from "./app-env.ts";

export interface Listening {
  port: number;
  url: string;
  close(graceMs?: number): Promise<void>;
}

/** What answers: an app, or anything with its `fetch` (the dev server's reloading front). */
export async function listen(
  app: { fetch: Hono<AppEnv>["fetch"] },
  host: string,
  port: number,
): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(
          new StartupError(
            "server.port_in_use",
            `Port ${port} on ${host} is in use. Set PORT to a free port or stop the other process.`,
          ),
        );
      } else if (error.code === "EACCES") {
        reject(
          new StartupError(
            "server.port_denied",
            `Not allowed to listen on ${host}:${port}. Use a port above 1023 (PORT).`,
          ),
        );
      } else reject(error);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  return {
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
