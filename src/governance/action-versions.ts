// The action change log. When a workspace loads, each action's definition — what a reviewer of a
// change would want to compare: parameters' schema, policies (with their conditions' code),
// declared grants, risk and execution settings, and a hash of the handler's code — is recorded
// under its version (the hash every run already stores). An action's history lists its versions,
// newest first, what changed from the version before, and how many runs ran on each.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";

export function actionDefinition(
  workspace: CompiledWorkspace,
  action: CompiledAction,
): Record<string, unknown> {
  const grants = workspace.grants
    .filter(
      (g) =>
        g.on.kind === "all" ||
        (g.on.kind === "action" && g.on.value === action.name) ||
        (g.on.kind === "tag" && action.tags.includes(g.on.value)),
    )
    .map((g) => `${g.subjectKind} ${g.subject}: ${[...g.verbs].sort().join(", ")}`)
    .sort();
  const code = action.definition;
  return {
    title: action.title,
    description: action.description,
    tags: action.tags,
    risk: action.risk,
    execution: action.execution,
    timeoutMs: action.timeoutMs,
    retry: action.retry,
    reasonRequired: action.reasonRequired,
    params: action.paramsJsonSchema,
    output: action.outputJsonSchema,
    policies: action.policies.map((p) => ({
      name: p.name,
      condition: p.when?.toString() ?? null,
      reviewers: p.reviewers,
      quorum: p.quorum,
      expiresInMs: p.expiresInMs,
      mode: p.mode,
    })),
    grants,
    codeHash: createHash("sha256")
      .update(code.handler.toString())
      .update("\0")
      .update(code.target?.toString() ?? "")
      .digest("hex")
      .slice(0, 16),
  };
}

/**
 * Records every action's current version (once: a version already known keeps its first date). In
 * demo mode, the demo's earlier versions too, at the times it says they were deployed, so the
 * demo's action pages have a change to show; they go through the same definition as a real load.
 */
export async function recordActionVersions(
  db: Queryable,
  workspace: CompiledWorkspace,
  options: { demo?: boolean } = {},
): Promise<void> {
  const versions: { action: CompiledAction; at: Date | null }[] = [
    ...(options.demo
      ? (workspace.demo?.history ?? []).map((h) => ({ action: h.action, at: h.deployedAt }))
      : []),
    ...[...workspace.actions.values()].map((action) => ({ action, at: null })),
  ];
  if (versions.length === 0) return;
  await db.query(
    `INSERT INTO airlock.action_versions (action, version, definition, first_seen_at)
     SELECT action, version, definition, coalesce(at, now())
       FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[]) AS v(action, version, definition, at)
     ON CONFLICT DO NOTHING`,
    [
      versions.map((v) => v.action.name),
      versions.map((v) => v.action.version),
      versions.map((v) => JSON.stringify(actionDefinition(workspace, v.action))),
      versions.map((v) => v.at),
    ],
  );
}

export interface VersionChange {
  /** A path into the definition: `params.properties.amountCents`, `policies.large-credit.mode`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface ActionVersionView {
  version: string;
  current: boolean;
  firstSeenAt: string;
  definition: Record<string, unknown>;
  /** What changed from the version before it (empty for the first). */
  changes: VersionChange[];
  runs: { count: number; first: string | null; last: string | null };
}

export async function actionHistory(
  db: Pick<pg.Pool, "query">,
  action: CompiledAction,
): Promise<ActionVersionView[]> {
  const versions = await db.query<{
    version: string;
    definition: Record<string, unknown>;
    first_seen_at: Date;
  }>(
    "SELECT version, definition, first_seen_at FROM airlock.action_versions WHERE action = $1 ORDER BY first_seen_at, version",
    [action.name],
  );
  // Uses runs_action_version_idx (action, action_version).
  const runs = await db.query<{ action_version: string; n: number; first: Date; last: Date }>(
    `SELECT action_version, count(*)::int AS n, min(created_at) AS first, max(created_at) AS last
       FROM airlock.runs WHERE action = $1 GROUP BY action_version`,
    [action.name],
  );
  const byVersion = new Map(runs.rows.map((r) => [r.action_version, r]));
  const views: ActionVersionView[] = [];
  let previous: Record<string, unknown> | null = null;
  for (const row of versions.rows) {
    const counted = byVersion.get(row.version);
    views.push({
      version: row.version,
      current: row.version === action.version,
      firstSeenAt: new Date(row.first_seen_at).toISOString(),
      definition: row.definition,
      changes: previous ? diffDefinitions(previous, row.definition) : [],
      runs: {
        count: counted?.n ?? 0,
        first: counted ? new Date(counted.first).toISOString() : null,
        last: counted ? new Date(counted.last).toISOString() : null,
      },
    });
    previous = row.definition;
  }
  return views.reverse();
}

/** Leaf-level differences; policies are matched by name, other arrays compared whole. */
export function diffDefinitions(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): VersionChange[] {
  const changes: VersionChange[] = [];
  const walk = (path: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (path === "policies" && Array.isArray(a) && Array.isArray(b)) {
      const named = (list: unknown[]) =>
        Object.fromEntries(list.map((p) => [(p as { name: string }).name, p as Record<string, unknown>]));
      walk(path, named(a), named(b));
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(path ? `${path}.${key}` : key, a[key], b[key]);
      return;
    }
    changes.push({ path, before: a ?? null, after: b ?? null });
  };
  walk("", before, after);
  return changes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
