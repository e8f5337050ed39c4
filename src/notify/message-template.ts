// One message, rendered for every channel from the same parts: a subject, a sentence that says
// what happened, labelled facts and a link. Email gets plain text and HTML from it; Slack its
// blocks (slack-message.ts). The parts are built with PII already masked (notification-content.ts).
//
// The link only opens a page, after sign-in: no action is ever taken by following it (mail
// scanners and link previews follow links), and it carries no token.

export interface MessageParts {
  subject: string;
  /** One or two sentences: what happened and what the reader may do. */
  intro: string;
  facts: readonly (readonly [label: string, value: string])[];
  link: { href: string; label: string };
}

const FOOTER =
  "Opening the link only shows the page after you sign in; nothing is decided or run by following it.";

export function renderText(parts: MessageParts): string {
  const width = Math.max(0, ...parts.facts.map(([label]) => label.length)) + 1;
  const facts = parts.facts.map(([label, value]) => {
    const [first = "", ...rest] = value.split("\n");
    const pad = " ".repeat(width + 1);
    return `${`${label}:`.padEnd(width)} ${first}${rest.map((line) => `\n${pad}${line}`).join("")}`;
  });
  return [
    parts.intro,
    "",
    ...facts,
    "",
    `${parts.link.label}: ${parts.link.href}`,
    "",
    `-- ${FOOTER}`,
    "",
  ].join("\n");
}

export function renderHtml(parts: MessageParts): string {
  const rows = parts.facts
    .map(
      ([label, value]) =>
        `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th>` +
        `<td style="padding:2px 0;white-space:pre-wrap">${escapeHtml(value)}</td></tr>`,
    )
    .join("");
  return [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(parts.subject)}</title></head>`,
    '<body style="font-family:system-ui,sans-serif;font-size:14px;color:#1a1b1e">',
    `<p>${escapeHtml(parts.intro)}</p>`,
    `<table role="presentation">${rows}</table>`,
    `<p><a href="${escapeHtml(parts.link.href)}">${escapeHtml(parts.link.label)}</a></p>`,
    `<p style="color:#6b7280;font-size:12px">${escapeHtml(FOOTER)}</p>`,
    "</body></html>",
  ].join("\n");
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A masked value as one line of text (objects as JSON). */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
