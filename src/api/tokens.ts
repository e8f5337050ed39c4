// API tokens: shown once when created; afterwards only their prefix.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const tokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  expiresAt: z.iso
    .datetime({ offset: true })
    .nullable()
    .optional()
    .refine((v) => !v || Date.parse(v) > Date.now(), "The expiry must be in the future."),
});

export const token = z.strictObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  userId: z.string(),
  createdBy: z.string(),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  status: z.enum(["active", "expired", "revoked"]),
});
export type Token = z.output<typeof token>;

/** The only response that carries the secret. */
export const createdToken = token.extend({ token: z.string() });
export type CreatedToken = z.output<typeof createdToken>;

export const tokenList = z.strictObject({ tokens: z.array(token) });
export type TokenList = z.output<typeof tokenList>;

export const adminTokenQuery = z.strictObject({ userId: z.string().max(100).optional() });
