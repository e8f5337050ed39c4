// The demo's mail server: a local SMTP sink (smtp-server) on 127.0.0.1 that accepts every message
// and keeps none, started by `npm start` in demo mode when no AIRLOCK_SMTP_URL is set. Email then
// goes through the real SMTP path end to end, and the Mailbox page shows what was sent (the
// notification rows, with their delivery status). Never started outside demo mode.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface MailSink {
  url: string;
  /** Messages accepted since the start. */
  received(): number;
  close(): Promise<void>;
}

export async function startDemoMailSink(): Promise<MailSink> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    banner: "Airlock demo mail sink",
    onData(stream, _session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        received++;
        callback();
      });
    },
  });
  server.on("error", () => {});
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
