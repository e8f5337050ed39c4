// A signed-off (or open) access review as evidence: CSV (cells that a spreadsheet would take for a
// formula are neutralized, like every Airlock export) and a self-contained HTML page that prints
// to PDF — who reviewed whom, the grants and their last use, each decision, when, and its outcome.
import { csvRow } from "../audit/audit-export.ts";
import type { AccessReview } from "./access-reviews.ts";

/** What a review covers, in words: one group, several, or every grant on high-risk actions. */
export function reviewTitle(review: Pick<AccessReview, "scope" | "groups">): string {
  if (review.scope === "high_risk") return "every grant on high-risk actions";
  const names = review.groups.map((g) => `“${g.name}”`).join(", ");
  return review.groups.length === 1 ? `the group ${names}` : `the groups ${names}`;
}

const COLUMNS = [
  "review",
  "group",
  "reviewer",
  "review_status",
  "started_at",
  "signed_off_at",
  "member",
  "email",
  "member_since",
  "grants_and_last_use",
  "last_activity_at",
  "decision",
  "reason",
  "decided_at",
  "outcome",
  "change_request",
];

const grantsText = (item: AccessReview["items"][number]) =>
  item.grants.map((g) => `${g.verbs.join("+")} on ${g.on} (last used ${g.lastUsedAt ?? "never"})`).join("; ");

export function accessReviewCsv(review: AccessReview): string {
  let out = csvRow(COLUMNS);
  for (const item of review.items)
    out += csvRow([
      review.id,
      item.group.name,
      review.reviewer.email ?? review.reviewer.name,
      review.status,
      review.startedAt,
      review.signedOffAt,
      item.name,
      item.email,
      item.memberSince,
      grantsText(item),
      item.lastActivityAt,
      item.decision,
      item.reason,
      item.decidedAt,
      item.outcome,
      item.changeRequestId,
    ]);
  return out;
}

function esc(value: string | null | undefined): string {
  return (value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

export function accessReviewHtml(review: AccessReview): string {
  const rows = review.items
    .map(
      (
        item,
      ) => `<tr><td>${esc(item.group.name)}</td><td>${esc(item.name)}<br><small>${esc(item.email)}</small></td><td>${esc(grantsText(item))}</td>
<td>${esc(item.lastActivityAt ?? "never")}</td><td>${esc(item.decision ?? "undecided")}</td><td>${esc(item.reason)}</td>
<td>${esc(item.decidedAt)}</td><td>${esc(item.outcome)}${item.changeRequestId ? ` (${esc(item.changeRequestId)})` : ""}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Access review ${esc(review.id)}: ${esc(reviewTitle(review))}</title>
<style>body{font:13px system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eee}</style></head>
<body><h1>Access review of ${esc(reviewTitle(review))}</h1>
<p>Review ${esc(review.id)} · status ${esc(review.status)} · reviewer ${esc(review.reviewer.name)} (${esc(review.reviewer.email)})
· started ${esc(review.startedAt)} by ${esc(review.startedBy)} · due ${esc(review.dueAt)}
· signed off ${esc(review.signedOffAt ?? "not yet")}</p>
${review.note ? `<p>Reviewer's note: ${esc(review.note)}</p>` : ""}
<table><thead><tr><th>Group</th><th>Member</th><th>Grants through the group (last use)</th><th>Last activity</th><th>Decision</th>
<th>Reason</th><th>Decided at</th><th>Outcome</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
