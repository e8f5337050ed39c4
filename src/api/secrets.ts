// Secrets, as admins manage them: names and who changed them when, never a value. A value goes in
// (PUT) and is never sent back by any route.
import { z } from "zod";
import { isoTime } from "./common.ts";

/** 64 KiB: room for a PEM bundle, not for a file. */
export const SECRET_VALUE_MAX = 65_536;

export const putSecretBody = z.strictObject({
  value: z
    .string()
    .min(1, "A secret cannot be empty.")
    .max(SECRET_VALUE_MAX, `At most ${SECRET_VALUE_MAX} characters.`)
    .describe("The value; stored encrypted, never returned"),
  owner: z.string().trim().min(1).max(200).optional().describe("Who answers for it (a person or a team)"),
});

export const secretInfo = z.strictObject({
  name: z.string(),
  version: z.number().int(),
  owner: z.string().nullable(),
  createdBy: z.string(),
  createdAt: isoTime,
  updatedBy: z.string(),
  updatedAt: isoTime,
  links: z.strictObject({ self: z.string() }),
});
export type SecretInfo = z.output<typeof secretInfo>;

export const secretList = z.strictObject({ secrets: z.array(secretInfo) });
export type SecretList = z.output<typeof secretList>;
