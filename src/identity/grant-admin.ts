// Grants added and revoked by admins at run time (the `grants` table), beside the grants declared
// in the workspace. A stored grant is checked like a declared one (compile-workspace.ts): a known
// verb, a declared role or an existing group, an existing action or tag, or `*`. Each change is
// one `grant.changed` audit event with before and after, and the authorizer's cache is dropped so
// this process sees it on the next request (others within authorizer.CACHE_MS).
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { newId } from "../ids/ids.ts";
import type { Verb } from "../sdk/define-workspace.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledGrant, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { type ChangeContext, changeEvent } from "./admin-change.ts";
import type { Authorizer } from "./authorizer.ts";

// The same verbs the workspace compiler accepts (compile-workspace.ts keeps its pattern private).
export const VERB_PATTERN = /^(view|run|approve|audit|admin|reveal:[a-z][a-z0-9_]*|reveal:\*)$/;

export interface GrantInput {
  to: { role: string } | { group: string };
  verbs: string[];
  on: { action: string } | { tag: string } | "*";
}

export interface GrantView {
  id: string;
  source: "config" | "admin";
  subjectKind: "role" | "group";
  subject: string;
  verbs: string[];
  /** `*`, `action:<name>` or `tag:<tag>`. */
  on: string;
  createdBy: string | null;
  createdAt: Date | null;
}

export function grantView(grant: CompiledGrant, meta?: { createdBy: string; createdAt: Date }): GrantView {
  return {
    id: grant.id,
    source: grant.source,
    subjectKind: grant.subjectKind,
    subject: grant.subject,
    verbs: [...grant.verbs],
    on: grant.on.kind === "all" ? "*" : `${grant.on.kind}:${grant.on.value}`,
    createdBy: meta?.createdBy ?? null,
    createdAt: meta?.createdAt ?? null,
  };
}

/** Declared grants and the live stored ones, each with where it comes from. */
export async function listGrants(
  db: Pick<pg.Pool, "query">,
  workspace: CompiledWorkspace,
): Promise<{ code: GrantView[]; stored: GrantView[] }> {
  const result = await db.query<StoredRow>(
    `SELECT id, subject_kind, subject, verbs, on_kind, on_value, created_by, created_at
       FROM airlock.grants WHERE revoked_at IS NULL ORDER BY created_at, id`,
  );
  return {
    code: workspace.grants.map((g) => grantView(g)),
    stored: result.rows.map((row) =>
      grantView(compiledOf(row), { createdBy: row.created_by, createdAt: row.created_at }),
    ),
  };
}

interface StoredRow {
  id: string;
  subject_kind: "role" | "group";
  subject: string;
  verbs: string[];
  on_kind: "action" | "tag" | "all";
  on_value: string | null;
  created_by: string;
  created_at: Date;
}

function compiledOf(row: StoredRow): CompiledGrant {
  return {
    source: "admin",
    id: row.id,
    subjectKind: row.subject_kind,
    subject: row.subject,
    verbs: row.verbs as Verb[],
    on: row.on_kind === "all" ? { kind: "all" } : { kind: row.on_kind, value: row.on_value! },
  };
}

/** Every mistake at once, as the workspace compiler reports them. */
async function problemsOf(
  db: Pick<pg.Pool, "query">,
  workspace: CompiledWorkspace,
  input: GrantInput,
): Promise<string[]> {
  const problems: string[] = [];
  if (input.verbs.length === 0) problems.push("List at least one verb.");
  for (const verb of input.verbs) {
    if (!VERB_PATTERN.test(verb))
      problems.push(`"${verb}" is not a verb (view, run, approve, audit, admin, reveal:<class>).`);
  }
  if ("role" in input.to) {
    if (!Object.hasOwn(workspace.roles, input.to.role))
      problems.push(`Role "${input.to.role}" is not declared in the workspace.`);
  } else {
    const group = await db.query("SELECT 1 FROM airlock.groups WHERE name = $1", [input.to.group]);
    if (group.rowCount === 0) problems.push(`There is no group "${input.to.group}".`);
  }
  if (input.on !== "*") {
    if ("action" in input.on && !workspace.actions.has(input.on.action))
      problems.push(`Action "${input.on.action}" does not exist.`);
    if ("tag" in input.on) {
      const tag = input.on.tag;
      if (![...workspace.actions.values()].some((a) => a.tags.includes(tag)))
        problems.push(`No action has the tag "${tag}".`);
    }
  }
  return problems;
}

export async function addGrant(
  pool: pg.Pool,
  ctx: ChangeContext,
  deps: { workspace: CompiledWorkspace; authorizer: Authorizer },
  input: GrantInput,
): Promise<GrantView> {
  await checkGrant(pool, deps.workspace, input);
  const row = await inTransaction(pool, (client) => addGrantIn(client, ctx, input));
  deps.authorizer.invalidate();
  return row;
}

/** Refuses a grant naming an unknown verb, role, group, action or tag (`admin.invalid`). */
export async function checkGrant(
  db: Pick<pg.Pool, "query">,
  workspace: CompiledWorkspace,
  input: GrantInput,
): Promise<void> {
  const problems = await problemsOf(db, workspace, input);
  if (problems.length > 0) throw new AirlockError("admin.invalid", problems.join(" "), { problems });
}

/**
 * Adds a checked grant inside the caller's transaction (a change request applied on its
 * approval); the caller drops the authorizer's cache after COMMIT.
 */
export async function addGrantIn(
  client: Queryable,
  ctx: ChangeContext,
  input: GrantInput,
): Promise<GrantView> {
  const verbs = [...new Set(input.verbs)].sort();
  const subjectKind = "role" in input.to ? "role" : "group";
  const subject = "role" in input.to ? input.to.role : input.to.group;
  const onKind = input.on === "*" ? "all" : "action" in input.on ? "action" : "tag";
  const onValue = input.on === "*" ? null : "action" in input.on ? input.on.action : input.on.tag;
  const id = newId("gnt");
  // Serialize grant additions (readers are not blocked): the duplicate check below must see a
  // concurrent identical addition.
  await client.query("SELECT pg_advisory_xact_lock(hashtext('airlock.grants'))");
  const duplicate = await client.query(
    `SELECT 1 FROM airlock.grants WHERE revoked_at IS NULL AND subject_kind = $1 AND subject = $2
        AND on_kind = $3 AND on_value IS NOT DISTINCT FROM $4 AND verbs = $5::text[]`,
    [subjectKind, subject, onKind, onValue, verbs],
  );
  if ((duplicate.rowCount ?? 0) > 0) throw new AirlockError("admin.conflict", "That grant already exists.");
  const inserted = await client.query<StoredRow>(
    `INSERT INTO airlock.grants (id, subject_kind, subject, verbs, on_kind, on_value, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     RETURNING id, subject_kind, subject, verbs, on_kind, on_value, created_by, created_at`,
    [id, subjectKind, subject, verbs, onKind, onValue, ctx.actor.id],
  );
  const stored = inserted.rows[0]!;
  const after = grantView(compiledOf(stored), {
    createdBy: stored.created_by,
    createdAt: stored.created_at,
  });
  await appendAudit(client, [
    changeEvent(ctx, "grant.changed", { type: "grant", id }, { change: "added", before: null, after }),
  ]);
  return after;
}

/** Revokes a stored grant. Declared grants change only with the workspace code. */
export async function revokeGrant(
  pool: pg.Pool,
  ctx: ChangeContext,
  deps: { authorizer: Authorizer },
  id: string,
): Promise<void> {
  if (id.startsWith("config:"))
    throw new AirlockError(
      "admin.invalid",
      "This grant is declared in the workspace config; change it there (it is reviewed with the code).",
    );
  await inTransaction(pool, (client) => revokeGrantIn(client, ctx, id));
  deps.authorizer.invalidate();
}

/** Revokes a stored grant inside the caller's transaction; the caller drops the authorizer's cache. */
export async function revokeGrantIn(client: Queryable, ctx: ChangeContext, id: string): Promise<void> {
  const revoked = await client.query<StoredRow>(
    `UPDATE airlock.grants SET revoked_at = now(), revoked_by = $2
      WHERE id = $1 AND revoked_at IS NULL
      RETURNING id, subject_kind, subject, verbs, on_kind, on_value, created_by, created_at`,
    [id, ctx.actor.id],
  );
  const row = revoked.rows[0];
  if (!row) throw new AirlockError("admin.not_found", "There is no such grant (or it was already revoked).");
  const before = grantView(compiledOf(row), { createdBy: row.created_by, createdAt: row.created_at });
  await appendAudit(client, [
    changeEvent(ctx, "grant.changed", { type: "grant", id }, { change: "revoked", before, after: null }),
  ]);
}

/** A live stored grant by id, or null. */
export async function getStoredGrant(db: Queryable, id: string): Promise<GrantView | null> {
  const result = await db.query<StoredRow>(
    `SELECT id, subject_kind, subject, verbs, on_kind, on_value, created_by, created_at
       FROM airlock.grants WHERE id = $1 AND revoked_at IS NULL`,
    [id],
  );
  const row = result.rows[0];
  return row ? grantView(compiledOf(row), { createdBy: row.created_by, createdAt: row.created_at }) : null;
}
