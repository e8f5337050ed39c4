// The kinds of access and policy change, each in one place: how its input is checked against the
// current state (an unknown group, user, grant, action or policy is refused with its code, before
// anything is stored), what it touches (two pending changes on one thing conflict), who gains
// access by it, whether it is sensitive, and how it is applied — through the same identity and
// policy functions an admin's direct change uses, inside the caller's transaction, with their
// audit events.
import type pg from "pg";
import type { PolicyModes } from "../approval/policy-modes.ts";
import { storeMode } from "../approval/policy-modes.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { emitEvents } from "../events/event-emit.ts";

import type { ChangeContext } from "../identity/admin-change.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import {
  addGrantIn,
  checkGrant,
  type GrantInput,
  getStoredGrant,
  revokeGrantIn,
} from "../identity/grant-admin.ts";
import { addMemberIn, removeMemberIn } from "../identity/group-directory.ts";
import { createInvitationIn } from "../identity/invitations.ts";
import { createUserIn } from "../identity/user-directory.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import type { ChangeKindName } from "../sdk/governance-definition.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { grantSensitivity, groupSensitivity, serviceSensitivity } from "./sensitivity.ts";
import { mintServiceToken, type ServiceTokenPayload, serviceOf } from "./service-token.ts";

export interface ChangeDeps {
  workspace: CompiledWorkspace;
  authorizer: Authorizer;
  pool: pg.Pool;
  policyModes: PolicyModes;
}

export type ChangeInput =
  | { kind: "group.add_member"; payload: { groupId: string; userId: string } }
  | {
      kind: "group.remove_member";
      /** `accessReviewId`: the access review whose reviewer revoked the membership. */
      payload: { groupId: string; userId: string; accessReviewId?: string };
    }
  | { kind: "token.create"; payload: ServiceTokenPayload }
  | { kind: "grant.add"; payload: GrantInput }
  | { kind: "grant.revoke"; payload: { grantId: string } }
  | {
      kind: "policy.mode";
      payload: { action: string; policy: string; mode: "enforce" | "monitor"; reason: string };
    }
  | {
      kind: "user.create";
      /**
       * `invitation`: the person gets a one-time link and sets their own password; `sso`: they
       * sign in by single sign-on only. A change request never holds a password.
       */
      payload: { email: string; name: string; groups: string[]; signIn: "invitation" | "sso" };
    };

/** A change checked against the current state, ready to apply or to hold for approval. */
export interface PreparedChange {
  kind: ChangeKindName;
  payload: Record<string, unknown>;
  summary: string;
  conflictKey: string;
  /** Who gains access by it (never a decider on it). */
  beneficiaries: string[];
  /** Why it needs a second admin under the `sensitive` rule, or null. */
  sensitive: string | null;
  /** Nothing would change (a policy already in that mode): applied at once, never held. */
  noop: boolean;
}

export async function prepareChange(deps: ChangeDeps, change: ChangeInput): Promise<PreparedChange> {
  const db = deps.pool;
  switch (change.kind) {
    case "group.add_member": {
      const { groupId, userId } = change.payload;
      const group = await groupName(db, groupId);
      const user = await userLabel(db, userId);
      return {
        kind: change.kind,
        payload: { groupId, userId },
        summary: `Add ${user} to the group "${group}"`,
        conflictKey: `member:${groupId}:${userId}`,
        beneficiaries: [userId],
        sensitive: await groupSensitivity(deps.workspace, deps.authorizer, group),
        noop: false,
      };
    }
    case "group.remove_member": {
      const { groupId, userId } = change.payload;
      const group = await groupName(db, groupId);
      const user = await userLabel(db, userId);
      const member = await db.query(
        "SELECT 1 FROM airlock.group_members WHERE group_id = $1 AND user_id = $2",
        [groupId, userId],
      );
      if ((member.rowCount ?? 0) === 0)
        throw new AirlockError("admin.not_found", "That user is not a member of that group.");
      return {
        kind: change.kind,
        payload: { ...change.payload },
        summary: `Remove ${user} from the group "${group}"${change.payload.accessReviewId ? " (access review)" : ""}`,
        conflictKey: `member:${groupId}:${userId}`,
        beneficiaries: [],
        sensitive: null,
        noop: false,
      };
    }
    case "token.create": {
      const service = await serviceOf(db, change.payload.userId);
      const name = scrubText(change.payload.name);
      return {
        kind: change.kind,
        payload: { userId: service.id, name, expiresAt: change.payload.expiresAt },
        summary: `Create the API token "${name}" for the service identity ${service.name}`,
        conflictKey: `token:${service.id}`,
        beneficiaries: [],
        sensitive: await serviceSensitivity(deps.workspace, deps.authorizer, service.name),
        noop: false,
      };
    }
    case "grant.add": {
      await checkGrant(db, deps.workspace, change.payload);
      const grant = compiledShape(change.payload);
      return {
        kind: change.kind,
        payload: { ...change.payload, verbs: [...new Set(change.payload.verbs)].sort() },
        summary: `Grant ${grant.verbs.join(", ")} on ${onText(change.payload.on)} to ${toText(change.payload.to)}`,
        conflictKey: grantKey(change.payload.to, change.payload.on),
        beneficiaries: await grantHolders(db, deps.workspace, change.payload.to),
        sensitive: grantSensitivity(deps.workspace, grant),
        noop: false,
      };
    }
    case "grant.revoke": {
      const { grantId } = change.payload;
      if (grantId.startsWith("config:"))
        throw new AirlockError(
          "admin.invalid",
          "This grant is declared in the workspace config; change it there (it is reviewed with the code).",
        );
      const grant = await getStoredGrant(db, grantId);
      if (!grant)
        throw new AirlockError("admin.not_found", "There is no such grant (or it was already revoked).");
      const to = grant.subjectKind === "role" ? { role: grant.subject } : { group: grant.subject };
      const on =
        grant.on === "*"
          ? "*"
          : grant.on.startsWith("action:")
            ? { action: grant.on.slice(7) }
            : { tag: grant.on.slice(4) };
      return {
        kind: change.kind,
        payload: { grantId },
        summary: `Revoke ${grant.verbs.join(", ")} on ${onText(on)} from ${toText(to)}`,
        conflictKey: grantKey(to, on),
        beneficiaries: [],
        sensitive: null,
        noop: false,
      };
    }
    case "policy.mode": {
      const { action, policy } = resolvePolicy(deps.workspace, change.payload.action, change.payload.policy);
      const current = await deps.policyModes.effectiveMode(action.name, policy);
      return {
        kind: change.kind,
        payload: { ...change.payload },
        summary: `Switch the policy "${policy.name}" of ${action.name} from ${current} to ${change.payload.mode}`,
        conflictKey: `policy:${action.name}:${policy.name}`,
        beneficiaries: [],
        sensitive: "every policy-mode switch",
        noop: current === change.payload.mode,
      };
    }
    case "user.create": {
      const { email, groups } = change.payload;
      const known = await db.query<{ name: string }>(
        "SELECT name FROM airlock.groups WHERE name = ANY($1::text[])",
        [groups],
      );
      const missing = groups.filter((g) => !known.rows.some((r) => r.name === g));
      if (missing.length > 0)
        throw new AirlockError("admin.invalid", `No such group: ${missing.join(", ")}.`, { groups: missing });
      const taken = await db.query("SELECT 1 FROM airlock.users WHERE lower(email) = lower($1)", [email]);
      if ((taken.rowCount ?? 0) > 0)
        throw new AirlockError("admin.conflict", "A user with this email already exists.");
      let sensitive: string | null = null;
      for (const group of groups)
        sensitive ??= await groupSensitivity(deps.workspace, deps.authorizer, group);
      const password =
        change.payload.signIn === "sso" ? "SSO sign-in" : "an invitation link to set their own password";
      return {
        kind: change.kind,
        payload: { ...change.payload },
        summary: `Create the user ${email} in ${groups.length ? groups.map((g) => `"${g}"`).join(", ") : "no group"}, with ${password}`,
        conflictKey: `user:${email.toLowerCase()}`,
        beneficiaries: [],
        sensitive,
        noop: false,
      };
    }
  }
}

/** Who gains access by a stored change, read now (a group's members may have changed since). */
export async function beneficiariesNow(
  db: Queryable,
  workspace: CompiledWorkspace,
  kind: string,
  payload: Record<string, unknown>,
): Promise<string[]> {
  if (kind === "group.add_member") return [payload.userId as string];
  if (kind === "grant.add") return await grantHolders(db, workspace, (payload as unknown as GrantInput).to);
  return [];
}

/**
 * Applies a stored change inside the caller's transaction, as `ctx.actor` (the requester, or the
 * admin applying directly). Returns what it made, for the requester. The caller drops the
 * authorizer's and the policy modes' caches after COMMIT. `how` is `approval` when a second
 * admin's approval applies it: a token is then not minted here (its secret would reach the
 * approver's answer and the stored result) but collected once by the requester.
 */
export async function applyChange(
  db: Queryable,
  ctx: ChangeContext,
  workspace: CompiledWorkspace,
  kind: string,
  payload: Record<string, unknown>,
  how: "direct" | "approval" = "direct",
): Promise<Record<string, unknown>> {
  switch (kind) {
    case "group.add_member":
      return await addMemberIn(db, ctx, payload.groupId as string, payload.userId as string);
    case "group.remove_member":
      await removeMemberIn(
        db,
        ctx,
        payload.groupId as string,
        payload.userId as string,
        payload.accessReviewId ? { accessReviewId: payload.accessReviewId } : {},
      );
      return { removed: true };
    case "token.create": {
      const token = payload as unknown as ServiceTokenPayload;
      if (how === "approval") {
        await serviceOf(db, token.userId);
        return { userId: token.userId, tokenToCollect: true };
      }
      return { token: await mintServiceToken(db, ctx, token) };
    }
    case "grant.add":
      return { grant: await addGrantIn(db, ctx, payload as unknown as GrantInput) };
    case "grant.revoke":
      await revokeGrantIn(db, ctx, payload.grantId as string);
      return { revoked: payload.grantId };
    case "policy.mode": {
      const p = payload as { action: string; policy: string; mode: "enforce" | "monitor"; reason: string };
      const { action, policy } = resolvePolicy(workspace, p.action, p.policy);
      const result = await storeMode(db, {
        actor: ctx.actor,
        action,
        policy,
        mode: p.mode,
        reason: p.reason,
        requestId: ctx.requestId,
        client: ctx.client,
      });
      return { action: action.name, policy: policy.name, codeMode: policy.mode, ...result, mode: result.to };
    }
    case "user.create": {
      const p = payload as {
        email: string;
        name: string;
        groups: string[];
        signIn?: "invitation" | "sso";
        /** Change requests stored before invitations existed carry an admin-chosen password's hash. */
        passwordHash?: string | null;
      };
      const id = newId("usr");
      const passwordHash = p.passwordHash ?? null;
      await createUserIn(db, ctx, {
        id,
        email: p.email,
        name: p.name,
        groups: p.groups,
        passwordHash,
        passwordChangeRequired: passwordHash !== null,
      });
      if (p.signIn !== "invitation") return { userId: id };
      const invitation = await createInvitationIn(db, ctx, {
        userId: id,
        expiresInMs: workspace.governance.invitationExpiryMs,
      });
      await emitEvents(db, [{ type: "user.invited", payload: { invitationId: invitation.id, userId: id } }]);
      return { userId: id, invitationId: invitation.id };
    }
    default:
      throw new Error(`unknown change kind "${kind}"`);
  }
}

/** The policy named `policy` of `action`, or `policy.not_found`. */
export function resolvePolicy(workspace: CompiledWorkspace, actionName: string, policyName: string) {
  const action = workspace.actions.get(actionName);
  const policy = action?.policies.find((p) => p.name === policyName);
  if (!action || !policy) throw new AirlockError("policy.not_found");
  return { action, policy };
}

async function groupName(db: Queryable, groupId: string): Promise<string> {
  const group = await db.query<{ name: string }>("SELECT name FROM airlock.groups WHERE id = $1", [groupId]);
  if (!group.rows[0]) throw new AirlockError("admin.not_found", "There is no such group.");
  return group.rows[0].name;
}

async function userLabel(db: Queryable, userId: string): Promise<string> {
  const user = await db.query<{ kind: string; email: string | null; name: string }>(
    "SELECT kind, email, name FROM airlock.users WHERE id = $1",
    [userId],
  );
  const row = user.rows[0];
  if (!row) throw new AirlockError("admin.not_found", "There is no such user.");
  if (row.kind !== "human")
    throw new AirlockError(
      "admin.invalid",
      "Service identities hold roles through the workspace config (roles.<name>.services), not groups.",
    );
  return row.email ?? row.name;
}

/** Members of the grant's group, or of every group conferring its role. */
async function grantHolders(
  db: Queryable,
  workspace: CompiledWorkspace,
  to: GrantInput["to"],
): Promise<string[]> {
  const groups = "group" in to ? [to.group] : (workspace.roles[to.role]?.groups ?? []);
  const result = await db.query<{ user_id: string }>(
    `SELECT DISTINCT m.user_id FROM airlock.group_members m JOIN airlock.groups g ON g.id = m.group_id
      WHERE g.name = ANY($1::text[]) ORDER BY m.user_id`,
    [groups],
  );
  return result.rows.map((r) => r.user_id);
}

function compiledShape(input: GrantInput) {
  return {
    verbs: [...new Set(input.verbs)].sort() as never[],
    on:
      input.on === "*"
        ? ({ kind: "all" } as const)
        : "action" in input.on
          ? ({ kind: "action", value: input.on.action } as const)
          : ({ kind: "tag", value: input.on.tag } as const),
  };
}

function grantKey(to: GrantInput["to"], on: GrantInput["on"]): string {
  return `grant:${toText(to)}:${onText(on)}`;
}

function toText(to: GrantInput["to"]): string {
  return "role" in to ? `role ${to.role}` : `group ${to.group}`;
}

function onText(on: GrantInput["on"]): string {
  return on === "*" ? "*" : "action" in on ? `action ${on.action}` : `tag ${on.tag}`;
}
