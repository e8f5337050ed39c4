// The first admin of a fresh installation, created from the command line through DATABASE_URL
// (`airlock admin bootstrap --email`): whoever holds the database may do this once, and only
// while no admin exists — afterwards admins are added through the admin API, by change request.
// An advisory lock makes two concurrent bootstraps create one admin. A password given here was
// typed at a terminal, perhaps by someone else: it must be changed at the first sign-in, and the
// admin cannot approve anything before.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { adminGroups } from "./sensitivity.ts";

const BOOTSTRAP_LOCK = 7_240_911_040;

export async function bootstrapAdmin(
  pool: pg.Pool,
  deps: { workspace: CompiledWorkspace; authorizer: Authorizer },
  input: { email: string; name: string; passwordHash: string | null },
): Promise<{ userId: string; group: string }> {
  const groups = await adminGroups(deps.workspace, deps.authorizer);
  const group = groups[0];
  if (!group)
    throw new AirlockError(
      "admin.invalid",
      "No group administers this workspace: grant `admin` on `*` to a role held by a group first.",
    );
  return await inTransaction(pool, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [BOOTSTRAP_LOCK]);
    const existing = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM airlock.group_members m
         JOIN airlock.groups g ON g.id = m.group_id JOIN airlock.users u ON u.id = m.user_id
        WHERE g.name = ANY($1::text[]) AND u.kind = 'human'`,
      [groups],
    );
    if (existing.rows[0]!.n > 0) throw new AirlockError("admin.bootstrap_refused");
    const userId = newId("usr");
    const inserted = await tx.query(
      `INSERT INTO airlock.users (id, kind, email, name, password_hash, source, password_change_required)
       VALUES ($1, 'human', $2, $3, $4, 'admin', $4::text IS NOT NULL)
       ON CONFLICT (lower(email)) WHERE email IS NOT NULL DO NOTHING`,
      [userId, input.email, scrubText(input.name), input.passwordHash],
    );
    let id = userId;
    if (inserted.rowCount === 0) {
      // An existing person becomes the first admin (e.g. someone who signed in by SSO first).
      const found = await tx.query<{ id: string }>(
        "SELECT id FROM airlock.users WHERE lower(email) = lower($1)",
        [input.email],
      );
      id = found.rows[0]!.id;
    }
    await tx.query(
      `INSERT INTO airlock.groups (id, name, source) VALUES ($1, $2, 'config') ON CONFLICT (name) DO NOTHING`,
      [newId("grp"), group],
    );
    await tx.query(
      `INSERT INTO airlock.group_members (group_id, user_id, source)
       SELECT id, $2, 'admin' FROM airlock.groups WHERE name = $1 ON CONFLICT DO NOTHING`,
      [group, id],
    );
    await appendAudit(tx, [
      {
        type: "admin.bootstrapped",
        outcome: "success",
        actorId: null,
        actorKind: null,
        targetType: "user",
        targetId: id,
        data: { email: input.email, group, via: "cli", signIn: input.passwordHash ? "password" : "sso" },
      },
    ]);
    return { userId: id, group };
  });
}
