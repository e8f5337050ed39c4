// Administration: users, service identities, groups and memberships, grants.
import { z } from "zod";
import { isoTime } from "./common.ts";
import { token } from "./tokens.ts";

export const userListQuery = z.strictObject({
  kind: z.enum(["human", "service"]).optional(),
  status: z.enum(["active", "disabled"]).optional(),
  email: z.string().max(320).optional(),
  q: z.string().max(200).optional(),
});

export const newUserBody = z.strictObject({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  groups: z.array(z.string().min(1).max(100)).max(100).default([]),
  /**
   * `invitation` (the default): the person gets a one-time link by email and sets their own
   * password; `sso`: they sign in by single sign-on only. Admins never choose a password.
   */
  signIn: z.enum(["invitation", "sso"]).default("invitation"),
  /** Refused (`admin.password_not_allowed`): kept in the schema so the refusal can say why. */
  password: z
    .string()
    .max(1_024)
    .nullable()
    .optional()
    .describe("Not accepted: admins never choose another person's password (use signIn)"),
  reason: z.string().trim().max(2_000).optional().describe("For the second admin, when the change is held"),
});

export const adminUser = z.strictObject({
  id: z.string(),
  kind: z.enum(["human", "service"]),
  email: z.string().nullable(),
  name: z.string(),
  status: z.enum(["active", "disabled"]),
  source: z.string(),
  groups: z.array(z.string()),
  /** False for SSO-only users, people who have not accepted their invitation, and service identities. */
  hasPassword: z.boolean(),
  /** The password was chosen by someone else: it must be changed at sign-in; no approving before. */
  passwordChangeRequired: z.boolean(),
  /** The newest invitation to set a password, or null. */
  invitation: z
    .strictObject({
      status: z.enum(["pending", "accepted", "revoked", "expired"]),
      expiresAt: isoTime,
      sentAt: isoTime.nullable(),
    })
    .nullable(),

  createdAt: isoTime,
  lastLoginAt: isoTime.nullable(),
  disabledAt: isoTime.nullable(),
  lockedUntil: isoTime.nullable(),
});
export type AdminUser = z.output<typeof adminUser>;

export const adminUserList = z.strictObject({ users: z.array(adminUser) });
export type AdminUserList = z.output<typeof adminUserList>;
export const adminUserDetail = adminUser.extend({ roles: z.array(z.string()), tokens: z.array(token) });

export const serviceList = z.strictObject({
  services: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      status: z.enum(["active", "disabled"]),
      roles: z.array(z.string()),
      tokens: z.array(token),
    }),
  ),
});

const ssoAliases = z.array(z.string().trim().min(1).max(200)).max(50);

export const newGroupBody = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,62}$/,
      "Use lowercase letters, digits and dashes (roles refer to groups by name).",
    ),
  description: z.string().max(500).nullable().optional(),
  ssoAliases: ssoAliases.default([]),
});

export const groupPatchBody = z.strictObject({
  description: z.string().max(500).nullable().optional(),
  ssoAliases: ssoAliases.optional(),
});

export const memberBody = z.strictObject({
  userId: z.string().min(1).max(100),
  reason: z.string().trim().max(2_000).optional().describe("For the second admin, when the change is held"),
});

export const group = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  source: z.string(),
  ssoAliases: z.array(z.string()),
  memberCount: z.number().int(),
  createdAt: isoTime,
});
export type Group = z.output<typeof group>;

export const groupList = z.strictObject({ groups: z.array(group.extend({ roles: z.array(z.string()) })) });
export type GroupList = z.output<typeof groupList>;

export const groupDetail = group.extend({
  members: z.array(
    z.strictObject({
      userId: z.string(),
      email: z.string().nullable(),
      name: z.string(),
      status: z.string(),
      source: z.string(),
      addedAt: isoTime,
    }),
  ),
});
export type GroupDetail = z.output<typeof groupDetail>;

export const memberAdded = z.strictObject({ added: z.boolean() });

export const grantBody = z.strictObject({
  to: z.union([
    z.strictObject({ role: z.string().min(1).max(100) }),
    z.strictObject({ group: z.string().min(1).max(100) }),
  ]),
  verbs: z.array(z.string().max(100)).min(1).max(20),
  on: z.union([
    z.literal("*"),
    z.strictObject({ action: z.string().min(1).max(100) }),
    z.strictObject({ tag: z.string().min(1).max(100) }),
  ]),
  reason: z.string().trim().max(2_000).optional().describe("For the second admin, when the change is held"),
});

export const grant = z.strictObject({
  id: z.string(),
  source: z.enum(["config", "admin"]),
  subjectKind: z.enum(["role", "group"]),
  subject: z.string(),
  verbs: z.array(z.string()),
  /** `*`, `action:<name>` or `tag:<tag>`. */
  on: z.string(),
  createdBy: z.string().nullable(),
  createdAt: isoTime.nullable(),
});
export type Grant = z.output<typeof grant>;

export const role = z.strictObject({
  description: z.string(),
  groups: z.array(z.string()),
  services: z.array(z.string()),
  /** Taken only by break-glass (docs/governance.md). */
  emergency: z.boolean(),
});

export const grantList = z.strictObject({
  code: z.array(grant),
  stored: z.array(grant),
  roles: z.record(z.string(), role),
});
export type GrantList = z.output<typeof grantList>;
