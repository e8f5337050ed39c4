// The evidence a team needs to move a policy from monitor to enforce (or back): per policy and
// period, how many runs it would have gated in monitor mode (and who requested them), and for
// requests it actually gated, how they ended — approved, rejected, expired or cancelled.
//
// Would-have-gated counts come from the audit trail (`policy.would_require_approval`, written in
// the run's own transaction by the pipeline), gated requests from `approval_requests.policies`,
// the snapshot of the policies that applied when the request was made. A policy that changed mode
// during the period shows both.
import type pg from "pg";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import { type ModeOverride, overrideKey, type PolicyMode } from "./policy-modes.ts";

export type ReportInterval = "day" | "week" | "month";

const OUTCOMES = ["pending", "approved", "rejected", "expired", "cancelled"] as const;
type Outcome = (typeof OUTCOMES)[number];

interface Counts {
  wouldHaveGated: number;
  requested: number;
  pending: number;
  approved: number;
  rejected: number;
  expired: number;
  cancelled: number;
}

export interface PolicyReportRow {
  action: string;
  policy: string;
  mode: PolicyMode;
  codeMode: PolicyMode;
  totals: Counts & {
    /** Shares of the requests that reached an end (pending ones excluded); null when none did. */
    shares: { approved: number; rejected: number; expired: number; cancelled: number } | null;
  };
  byRequester: { id: string; name: string | null; wouldHaveGated: number; requested: number }[];
  periods: ({ start: string } & Counts)[];
}

export async function policyReport(
  db: Pick<pg.Pool, "query">,
  input: {
    actions: readonly CompiledAction[];
    overrides: ReadonlyMap<string, ModeOverride>;
    from: Date;
    to: Date;
    interval: ReportInterval;
  },
): Promise<PolicyReportRow[]> {
  const names = input.actions.map((a) => a.name);
  const values = [input.from, input.to, names, input.interval];
  // Uses audit_events_type_idx (type, id) narrowed by time; the report is an occasional read.
  const monitored = await db.query<{
    action: string;
    policy: string;
    actor_id: string | null;
    actor_name: string | null;
    period: Date;
    runs: number;
  }>(
    `SELECT e.action, e.data->>'policy' AS policy, e.actor_id, u.name AS actor_name,
            date_trunc($4, e.occurred_at, 'UTC') AS period, count(DISTINCT e.run_id)::int AS runs
       FROM airlock.audit_events e LEFT JOIN airlock.users u ON u.id = e.actor_id
      WHERE e.type = 'policy.would_require_approval' AND e.occurred_at >= $1 AND e.occurred_at < $2
        AND e.action = ANY($3::text[])
      GROUP BY 1, 2, 3, 4, 5`,
    values,
  );
  const enforced = await db.query<{
    action: string;
    policy: string;
    requester_id: string;
    requester_name: string | null;
    status: Outcome;
    period: Date;
    requests: number;
  }>(
    `SELECT ar.action, p->>'name' AS policy, ar.requester_id, u.name AS requester_name, ar.status,
            date_trunc($4, ar.created_at, 'UTC') AS period, count(*)::int AS requests
       FROM airlock.approval_requests ar
       CROSS JOIN LATERAL jsonb_array_elements(ar.policies) p
       LEFT JOIN airlock.users u ON u.id = ar.requester_id
      WHERE ar.created_at >= $1 AND ar.created_at < $2 AND ar.action = ANY($3::text[])
      GROUP BY 1, 2, 3, 4, 5, 6`,
    values,
  );

  const rows = new Map<string, PolicyReportRow>();
  for (const action of input.actions) {
    for (const policy of action.policies) {
      const key = overrideKey(action.name, policy.name);
      rows.set(key, {
        action: action.name,
        policy: policy.name,
        mode: input.overrides.get(key)?.mode ?? policy.mode,
        codeMode: policy.mode,
        totals: { ...zero(), shares: null },
        byRequester: [],
        periods: [],
      });
    }
  }
  // Policies renamed or removed since still appear, under their old names, so history is not lost.
  const rowFor = (action: string, policy: string) => {
    const key = overrideKey(action, policy);
    let row = rows.get(key);
    if (!row) {
      row = {
        action,
        policy,
        mode: "enforce",
        codeMode: "enforce",
        totals: { ...zero(), shares: null },
        byRequester: [],
        periods: [],
      };
      rows.set(key, row);
    }
    return row;
  };
  const requester = (row: PolicyReportRow, id: string, name: string | null) => {
    let entry = row.byRequester.find((r) => r.id === id);
    if (!entry) {
      entry = { id, name, wouldHaveGated: 0, requested: 0 };
      row.byRequester.push(entry);
    }
    return entry;
  };
  const period = (row: PolicyReportRow, start: Date) => {
    const iso = new Date(start).toISOString();
    let entry = row.periods.find((p) => p.start === iso);
    if (!entry) {
      entry = { start: iso, ...zero() };
      row.periods.push(entry);
    }
    return entry;
  };

  for (const m of monitored.rows) {
    if (!m.policy) continue;
    const row = rowFor(m.action, m.policy);
    row.totals.wouldHaveGated += m.runs;
    period(row, m.period).wouldHaveGated += m.runs;
    if (m.actor_id) requester(row, m.actor_id, m.actor_name).wouldHaveGated += m.runs;
  }
  for (const e of enforced.rows) {
    if (!e.policy) continue;
    const row = rowFor(e.action, e.policy);
    row.totals.requested += e.requests;
    row.totals[e.status] += e.requests;
    const p = period(row, e.period);
    p.requested += e.requests;
    p[e.status] += e.requests;
    requester(row, e.requester_id, e.requester_name).requested += e.requests;
  }
  for (const row of rows.values()) {
    const t = row.totals;
    const ended = t.approved + t.rejected + t.expired + t.cancelled;
    t.shares =
      ended === 0
        ? null
        : {
            approved: share(t.approved, ended),
            rejected: share(t.rejected, ended),
            expired: share(t.expired, ended),
            cancelled: share(t.cancelled, ended),
          };
    row.byRequester.sort((a, b) => b.wouldHaveGated + b.requested - (a.wouldHaveGated + a.requested));
    row.periods.sort((a, b) => a.start.localeCompare(b.start));
  }
  return [...rows.values()].sort(
    (a, b) => a.action.localeCompare(b.action) || a.policy.localeCompare(b.policy),
  );
}

function zero(): Counts {
  return { wouldHaveGated: 0, requested: 0, pending: 0, approved: 0, rejected: 0, expired: 0, cancelled: 0 };
}

function share(part: number, whole: number): number {
  return Math.round((part / whole) * 10_000) / 10_000;
}
