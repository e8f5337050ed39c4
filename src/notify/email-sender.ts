// Sending one email over SMTP (nodemailer). One transport per Airlock instance, pooled: the
// delivery job sends one message per notification, and a new TCP + TLS + AUTH handshake per
// message is what SMTP relays rate-limit first.
import nodemailer from "nodemailer";
import type { NotificationRow } from "./notification-store.ts";

export interface EmailSender {
  send(
    notification: Pick<NotificationRow, "id" | "address" | "subject" | "body_text" | "body_html">,
  ): Promise<void>;
  close(): void;
}

export function createEmailSender(options: { url: string; from: string }): EmailSender {
  const url = new URL(options.url);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === "smtps:" ? 465 : 587)),
    secure: url.protocol === "smtps:",
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    pool: true,
    maxConnections: 2,
    // An unreachable relay fails the attempt quickly; the engine retries it later.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(notification) {
      await transport.sendMail({
        from: options.from,
        to: notification.address,
        subject: notification.subject,
        text: notification.body_text,
        ...(notification.body_html ? { html: notification.body_html } : {}),
        // Stable across retries, so a receiving system can drop a duplicate of an at-least-once send.
        messageId: `<${notification.id}@airlock>`,
        headers: { "Auto-Submitted": "auto-generated" },
      });
    },
    close() {
      transport.close();
    },
  };
}

/** The URL without its password, for logs and the start line. */
export function redactedSmtpUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
