// The approvals inbox. `pending`: what the caller may decide now — pending, not expired, on an
// action they hold `approve` on, where they are among a policy's reviewers (and among those the
// requester picked, if they narrowed them), not their own, not yet decided by them. `decided`:
// requests they decided on. `mine`: their own requests. The eligibility below mirrors
// decision-rules.ts in SQL; the decision re-checks everything anyway.
//
// Runs are listed, and beside them the kinds that ask to be (`inbox` on the subject kind: a
// runbook's approval gate), so a reviewer finds every decision waiting for them in one list.
// For those kinds the grant is on whatever governs the request (its `action` column: the
// runbook), asked of the kind; the other rules are the same SQL.
import type pg from "pg";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { overseenActions } from "../runs/run-access.ts";
import { maskedParams } from "../runs/run-audit.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import type { ApprovalRequestRow } from "./approval-store.ts";
import type { ApprovalSubjectKind, SubjectKinds } from "./approval-subject.ts";

export type InboxStatus = "pending" | "decided" | "mine";

interface SummaryCommon {
  id: string;
  status: string;
  action: string;
  actionTitle: string | null;
  requester: { id: string; name: string };
  reason: string | null;
  target: { type: string; id: string } | null;
  params: unknown;
  policies: { name: string; quorum: number }[];
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  myDecision: { decision: string; reason: string | null; decidedAt: string } | null;
}

/** A run's request, or a listed kind's (its own fields beside the common ones). */
export type ApprovalSummary =
  | (SummaryCommon & {
      kind: "run";
      runId: string;
      runStatus: string;
      links: { self: string; run: string };
    })
  | (SummaryCommon & { kind: string; links: Record<string, string> } & Record<string, unknown>);

type InboxDeps = {
  pool: pg.Pool;
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  subjects?: SubjectKinds;
};

type Row = ApprovalRequestRow & {
  requester_name: string;
  run_status: string | null;
  params: Record<string, unknown> | null;
  target_type: string | null;
  target_id: string | null;
  my_decision: string | null;
  my_reason: string | null;
  my_decided_at: Date | null;
};

interface Scope {
  where: string[];
  values: unknown[];
}

/** Actions on which the principal holds `approve`. */
export async function approvableActions(
  authorizer: Authorizer,
  workspace: CompiledWorkspace,
  principal: Principal,
): Promise<string[]> {
  if (principal.kind !== "human") return [];
  const names: string[] = [];
  for (const action of workspace.actions.values())
    if ((await authorizer.can(principal, "approve", action)).allowed) names.push(action.name);
  return names;
}

/** Kinds listed beside runs, each with the names on which the principal holds `approve`. */
async function listedKinds(
  deps: InboxDeps,
  principal: Principal,
): Promise<{ kind: ApprovalSubjectKind; names: string[] }[]> {
  if (principal.kind !== "human") return [];
  const out: { kind: ApprovalSubjectKind; names: string[] }[] = [];
  for (const kind of deps.subjects?.listed() ?? [])
    out.push({ kind, names: await kind.inbox!.approvable(principal) });
  return out;
}

/**
 * "The request is of a listed kind and governed by one of these names": runs (a run row joined)
 * on `actions`, each listed kind on its own names. Appends its parameters to `values`.
 */
function governedBy(
  values: unknown[],
  actions: string[],
  kinds: { kind: ApprovalSubjectKind; names: string[] }[],
): string {
  values.push(actions);
  const clauses = [`(r.id IS NOT NULL AND ar.action = ANY($${values.length}::text[]))`];
  for (const { kind, names } of kinds) {
    if (names.length === 0) continue;
    values.push(kind.kind, names);
    clauses.push(`(ar.subject_kind = $${values.length - 1} AND ar.action = ANY($${values.length}::text[]))`);
  }
  return `(${clauses.join(" OR ")})`;
}

/** WHERE clauses for "pending and the principal may decide it" (ar = approval_requests, r = runs). */
function decidableScope(
  principal: Principal,
  actions: string[],
  kinds: { kind: ApprovalSubjectKind; names: string[] }[],
): Scope {
  const values: unknown[] = [principal.id, principal.groups, principal.email?.toLowerCase() ?? null];
  const where = [
    "ar.status = 'pending'",
    "ar.expires_at > now()",
    governedBy(values, actions, kinds),
    "ar.requester_id <> $1",
    "r.on_behalf_of IS DISTINCT FROM $1",
    `EXISTS (SELECT 1 FROM jsonb_array_elements(ar.policies) p
              WHERE (p->'reviewers'->'groups') ?| $2::text[]
                 OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(p->'reviewers'->'users') u
                             WHERE u = $1 OR lower(u) = $3))`,
    "NOT EXISTS (SELECT 1 FROM airlock.approval_decisions d WHERE d.approval_request_id = ar.id AND d.reviewer_id = $1)",
    // Narrowed by the requester (reviewer-choice.ts): picked by id or through a group.
    `(ar.chosen_reviewers IS NULL OR (ar.chosen_reviewers->'users') ? $1
       OR (ar.chosen_reviewers->'groups') ?| $2::text[])`,
  ];
  return { where, values };
}

const hasNames = (kinds: { names: string[] }[]) => kinds.some((k) => k.names.length > 0);

export async function listApprovals(
  deps: InboxDeps,
  principal: Principal,
  query: { status: InboxStatus; limit: number; cursor?: string | undefined },
): Promise<{ approvals: ApprovalSummary[]; nextCursor: string | null }> {
  let scope: Scope;
  const kinds = await listedKinds(deps, principal);
  if (query.status === "pending") {
    const actions = await approvableActions(deps.authorizer, deps.workspace, principal);
    if (actions.length === 0 && !hasNames(kinds)) return { approvals: [], nextCursor: null };
    scope = decidableScope(principal, actions, kinds);
  } else if (query.status === "decided") {
    const actions = await overseenActions(deps.authorizer, deps.workspace, principal);
    const values: unknown[] = [principal.id];
    scope = { where: ["d.reviewer_id IS NOT NULL", governedBy(values, actions, kinds)], values };
  } else {
    const values: unknown[] = [principal.id, kinds.map((k) => k.kind.kind)];
    scope = {
      where: ["ar.requester_id = $1", "(r.id IS NOT NULL OR ar.subject_kind = ANY($2::text[]))"],
      values,
    };
  }
  const values = [...scope.values];
  const where = [...scope.where];
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    values.push(cursor.at, cursor.id);
    where.push(`(ar.created_at, ar.id) < ($${values.length - 1}::timestamptz, $${values.length})`);
  }
  values.push(query.limit + 1);
  // Runs are joined (LEFT: a listed kind's request has none); $1 is always the caller.
  const result = await deps.pool.query<Row>(
    `SELECT ar.*, u.name AS requester_name, r.status AS run_status, r.params, r.target_type, r.target_id,
            d.decision AS my_decision, d.reason AS my_reason, d.decided_at AS my_decided_at
       FROM airlock.approval_requests ar
       LEFT JOIN airlock.runs r ON r.id = ar.run_id
       JOIN airlock.users u ON u.id = ar.requester_id
       LEFT JOIN airlock.approval_decisions d ON d.approval_request_id = ar.id AND d.reviewer_id = $1
      WHERE ${where.join(" AND ")}
      ORDER BY ar.created_at DESC, ar.id DESC
      LIMIT $${values.length}`,
    values,
  );
  const rows = result.rows.slice(0, query.limit);
  const last = rows[rows.length - 1];
  const byKind = new Map(kinds.map(({ kind }) => [kind.kind, kind]));
  return {
    approvals: rows.map((row) => summary(deps.workspace, row, byKind)),
    nextCursor: result.rows.length > query.limit && last ? encodeCursor(last) : null,
  };
}

/**
 * Counts for the inbox badge: requests waiting for the caller (runs and listed kinds, as the
 * list shows them), and the caller's own pending ones.
 */
export async function countApprovals(
  deps: InboxDeps,
  principal: Principal,
): Promise<{ pending: number; mine: number; nextExpiresAt: string | null }> {
  const actions = await approvableActions(deps.authorizer, deps.workspace, principal);
  const kinds = await listedKinds(deps, principal);
  let pending = 0;
  let next: Date | null = null;
  if (actions.length > 0 || hasNames(kinds)) {
    const scope = decidableScope(principal, actions, kinds);
    const result = await deps.pool.query<{ n: number; next: Date | null }>(
      `SELECT count(*)::int AS n, min(ar.expires_at) AS next
         FROM airlock.approval_requests ar LEFT JOIN airlock.runs r ON r.id = ar.run_id
        WHERE ${scope.where.join(" AND ")}`,
      scope.values,
    );
    pending = result.rows[0]!.n;
    next = result.rows[0]!.next;
  }
  const mine = await deps.pool.query<{ n: number; next: Date | null }>(
    `SELECT count(*)::int AS n, min(expires_at) AS next FROM airlock.approval_requests
      WHERE requester_id = $1 AND status = 'pending' AND expires_at > now()`,
    [principal.id],
  );
  const mineNext = mine.rows[0]!.next;
  // The first expiry among both counts: the badge reads again then (an expiry is announced on the
  // live-updates stream only when the maintenance sweep records it, minutes later).
  if (mineNext && (!next || mineNext < next)) next = mineNext;
  return { pending, mine: mine.rows[0]!.n, nextExpiresAt: next ? next.toISOString() : null };
}

function summary(
  workspace: CompiledWorkspace,
  row: Row,
  kinds: Map<string, ApprovalSubjectKind>,
): ApprovalSummary {
  const common = {
    id: row.id,
    status: row.status,
    action: row.action,
    requester: { id: row.requester_id, name: row.requester_name },
    reason: row.reason,
    policies: row.policies.map((p) => ({ name: p.name, quorum: p.quorum })),
    createdAt: iso(row.created_at)!,
    expiresAt: iso(row.expires_at)!,
    decidedAt: iso(row.decided_at),
    myDecision: row.my_decision
      ? { decision: row.my_decision, reason: row.my_reason, decidedAt: iso(row.my_decided_at)! }
      : null,
  };
  const listed = row.run_id === null ? kinds.get(row.subject_kind) : undefined;
  if (listed) {
    const item = listed.inbox!.item(row);
    return {
      ...common,
      kind: listed.kind,
      actionTitle: item.title,
      target: null,
      params: null,
      ...item.fields,
      links: item.links,
    };
  }
  const action = workspace.actions.get(row.action);
  return {
    ...common,
    kind: "run",
    actionTitle: action?.title ?? null,
    // Only a request with its run joined gets here.
    runId: row.run_id!,
    runStatus: row.run_status!,
    target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
    // A retired action's classification is unknown: show nothing rather than raw values.
    params: action && row.params ? maskedParams(action, row.params) : null,
    links: { self: `/api/v1/approvals/${row.id}`, run: `/api/v1/runs/${row.run_id!}` },
  };
}

export function iso(value: Date | string | null | undefined): string | null {
  if (!value) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

function encodeCursor(row: Row): string {
  return Buffer.from(`${iso(row.created_at)}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)))
    throw new AirlockError("request.invalid_query", "The cursor is not valid.");
  return { at, id };
}
