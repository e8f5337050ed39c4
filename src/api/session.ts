// Signing in and out, who am I, and which sign-in methods exist.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const loginBody = z.strictObject({
  email: z.string().trim().min(1).max(320),
  // Bounded: argon2 of a megabyte-long "password" is a cheap way to burn our CPU.
  password: z.string().min(1).max(1_024),
});

export const user = z.strictObject({
  id: z.string(),
  kind: z.enum(["human", "service"]),
  name: z.string(),
  email: z.string().nullable(),
});
export type User = z.output<typeof user>;

const principalDescription = { user, groups: z.array(z.string()), roles: z.array(z.string()) };

export const sessionResponse = z.strictObject({
  ...principalDescription,
  csrfToken: z.string(),
  session: z.strictObject({ idleExpiresAt: isoTime, absoluteExpiresAt: isoTime }),
});
export type SessionResponse = z.output<typeof sessionResponse>;

const actionNames = z.array(z.string());

export const me = z.strictObject({
  ...principalDescription,
  via: z.enum(["session", "token", "service"]),
  /** Sessions only: send it as X-CSRF-Token on state-changing requests. */
  csrfToken: z.string().optional(),
  permissions: z.strictObject({
    actions: z.strictObject({
      view: actionNames,
      run: actionNames,
      approve: actionNames,
      audit: actionNames,
      admin: actionNames,
    }),
    reveal: z.record(z.string(), actionNames),
    workspaceAdmin: z.boolean(),
  }),
  /** The emergency role you hold by break-glass right now (the UI shows a banner), or null. */
  breakGlass: z.strictObject({ id: z.string(), role: z.string(), endsAt: isoTime }).nullable(),
});
export type Me = z.output<typeof me>;

/**
 * GET /api/v1/session: who is signed in, or `null`. Answers 200 either way, so a first visit
 * (no session yet) is not a 401 that the browser logs as a console error.
 */
export const sessionState = z.strictObject({ me: me.nullable() });
export type SessionState = z.output<typeof sessionState>;

export const providers = z.strictObject({
  password: z.boolean(),
  oidc: z.strictObject({ enabled: z.boolean(), loginUrl: z.string().optional() }),
});
export type Providers = z.output<typeof providers>;

export const oidcLoginQuery = z.strictObject({ returnTo: z.string().max(2_000).optional() });
