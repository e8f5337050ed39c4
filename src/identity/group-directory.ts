// Groups and memberships as admins manage them. Roles are declared in the workspace and name the
// groups whose members hold them, so a membership change is a permission change: each one is
// audited in the transaction that makes it.
import type pg from "pg";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import type { Queryable } from "../store/queryable.ts";
import { inTransaction } from "../store/transaction.ts";
import { type ChangeContext, changeEvent } from "./admin-change.ts";

export interface GroupView {
  id: string;
  name: string;
  description: string | null;
  source: string;
  ssoAliases: string[];
  memberCount: number;
  createdAt: Date;
}

export interface MemberView {
  userId: string;
  email: string | null;
  name: string;
  status: string;
  source: string;
  addedAt: Date;
}

interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  source: string;
  sso_aliases: string[];
  member_count: number;
  created_at: Date;
}

const GROUP_SELECT = `
  SELECT g.id, g.name, g.description, g.source, g.sso_aliases, g.created_at,
         (SELECT count(*)::int FROM airlock.group_members m WHERE m.group_id = g.id) AS member_count
    FROM airlock.groups g`;

function groupView(row: GroupRow): GroupView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    source: row.source,
    ssoAliases: row.sso_aliases,
    memberCount: row.member_count,
    createdAt: row.created_at,
  };
}

export async function listGroups(db: Pick<pg.Pool, "query">): Promise<GroupView[]> {
  const result = await db.query<GroupRow>(`${GROUP_SELECT} ORDER BY g.name`);
  return result.rows.map(groupView);
}

export async function getGroup(
  db: Pick<pg.Pool, "query">,
  id: string,
): Promise<(GroupView & { members: MemberView[] }) | null> {
  const result = await db.query<GroupRow>(`${GROUP_SELECT} WHERE g.id = $1`, [id]);
  if (!result.rows[0]) return null;
  const members = await db.query<{
    user_id: string;
    email: string | null;
    name: string;
    status: string;
    source: string;
    added_at: Date;
  }>(
    `SELECT m.user_id, u.email, u.name, u.status, m.source, m.added_at
       FROM airlock.group_members m JOIN airlock.users u ON u.id = m.user_id
      WHERE m.group_id = $1 ORDER BY lower(coalesce(u.email, u.name))`,
    [id],
  );
  return {
    ...groupView(result.rows[0]),
    members: members.rows.map((m) => ({
      userId: m.user_id,
      email: m.email,
      name: m.name,
      status: m.status,
      source: m.source,
      addedAt: m.added_at,
    })),
  };
}

export async function createGroup(
  pool: pg.Pool,
  ctx: ChangeContext,
  raw: { name: string; description: string | null; ssoAliases: string[] },
): Promise<GroupView> {
  const input = { ...raw, description: freeText(raw.description) };
  const id = newId("grp");
  await inTransaction(pool, async (client) => {
    const inserted = await client.query(
      `INSERT INTO airlock.groups (id, name, description, source, sso_aliases) VALUES ($1, $2, $3, 'admin', $4)
       ON CONFLICT (name) DO NOTHING`,
      [id, input.name, input.description, input.ssoAliases],
    );
    if (inserted.rowCount === 0)
      throw new AirlockError("admin.conflict", `A group named "${input.name}" already exists.`);
    await appendAudit(client, [changeEvent(ctx, "group.created", { type: "group", id }, { ...input })]);
  });
  return (await listGroups(pool)).find((g) => g.id === id)!;
}

/** Changes a group's description or SSO aliases (its name is what roles refer to, so it stays). */
export async function updateGroup(
  pool: pg.Pool,
  ctx: ChangeContext,
  id: string,
  raw: { description?: string | null | undefined; ssoAliases?: string[] | undefined },
): Promise<GroupView> {
  const input = {
    ...raw,
    description: raw.description == null ? raw.description : scrubText(raw.description),
  };
  await inTransaction(pool, async (client) => {
    const before = await client.query<{ description: string | null; sso_aliases: string[] }>(
      "SELECT description, sso_aliases FROM airlock.groups WHERE id = $1 FOR UPDATE",
      [id],
    );
    const row = before.rows[0];
    if (!row) throw new AirlockError("admin.not_found", "There is no such group.");
    const after = {
      description: input.description === undefined ? row.description : input.description,
      ssoAliases: input.ssoAliases ?? row.sso_aliases,
    };
    await client.query("UPDATE airlock.groups SET description = $2, sso_aliases = $3 WHERE id = $1", [
      id,
      after.description,
      after.ssoAliases,
    ]);
    await appendAudit(client, [
      changeEvent(
        ctx,
        "group.updated",
        { type: "group", id },
        { before: { description: row.description, ssoAliases: row.sso_aliases }, after },
      ),
    ]);
  });
  return (await listGroups(pool)).find((g) => g.id === id)!;
}

export async function addMember(
  pool: pg.Pool,
  ctx: ChangeContext,
  groupId: string,
  userId: string,
): Promise<{ added: boolean }> {
  return await inTransaction(pool, (client) => addMemberIn(client, ctx, groupId, userId));
}

/** Adds the member inside the caller's transaction (a change request applied on its approval). */
export async function addMemberIn(
  client: Queryable,
  ctx: ChangeContext,
  groupId: string,
  userId: string,
): Promise<{ added: boolean }> {
  const group = await client.query<{ name: string }>("SELECT name FROM airlock.groups WHERE id = $1", [
    groupId,
  ]);
  if (!group.rows[0]) throw new AirlockError("admin.not_found", "There is no such group.");
  const user = await client.query<{ kind: string }>("SELECT kind FROM airlock.users WHERE id = $1", [userId]);
  if (!user.rows[0]) throw new AirlockError("admin.not_found", "There is no such user.");
  if (user.rows[0].kind !== "human")
    throw new AirlockError(
      "admin.invalid",
      "Service identities hold roles through the workspace config (roles.<name>.services), not groups.",
    );
  const inserted = await client.query(
    `INSERT INTO airlock.group_members (group_id, user_id, source, added_by) VALUES ($1, $2, 'admin', $3)
     ON CONFLICT DO NOTHING`,
    [groupId, userId, ctx.actor.id],
  );
  if (inserted.rowCount === 0) return { added: false };
  await appendAudit(client, [
    changeEvent(
      ctx,
      "group.member_added",
      { type: "user", id: userId },
      { group: group.rows[0].name, groupId, source: "admin" },
    ),
  ]);
  return { added: true };
}

export async function removeMember(
  pool: pg.Pool,
  ctx: ChangeContext,
  groupId: string,
  userId: string,
): Promise<void> {
  await inTransaction(pool, (client) => removeMemberIn(client, ctx, groupId, userId));
}

/** Removes the member inside the caller's transaction (a change request, an access review). */
export async function removeMemberIn(
  client: Queryable,
  ctx: ChangeContext,
  groupId: string,
  userId: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const removed = await client.query<{ name: string; source: string }>(
    `DELETE FROM airlock.group_members m USING airlock.groups g
      WHERE m.group_id = $1 AND m.user_id = $2 AND g.id = m.group_id
      RETURNING g.name, m.source`,
    [groupId, userId],
  );
  const row = removed.rows[0];
  if (!row) throw new AirlockError("admin.not_found", "That user is not a member of that group.");
  await appendAudit(client, [
    changeEvent(
      ctx,
      "group.member_removed",
      { type: "user", id: userId },
      { group: row.name, groupId, source: row.source, ...data },
    ),
  ]);
}

/** A description is free text shown to every admin and kept in the audit: PII in it is masked. */
function freeText(text: string | null): string | null {
  return text === null ? null : scrubText(text);
}
