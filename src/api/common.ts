// Pieces every resource's contract uses: the error envelope, a target, a time. Response objects
// are strict (an undeclared field is a contract change, caught by the app's response check in
// tests), and times are ISO 8601 strings, as they are on the wire.
import { z } from "zod";

/** An instant as it travels in JSON. */
export const isoTime = z.string().describe("ISO 8601 date-time");

/** A query parameter that is a date (2024-05-01) or a date-time with an offset. */
export const isoDateParam = z.iso.datetime({ offset: true }).or(z.iso.date());

export const target = z.strictObject({ type: z.string(), id: z.string() });

/** A person as a reference: enough to show a name next to an id. */
export const personRef = z.strictObject({ id: z.string(), name: z.string().nullable() });

export const errorEnvelope = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ examples: ["validation.failed"] }),
    message: z.string(),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorEnvelope = z.output<typeof errorEnvelope>;

/** One problem with a request's input, in `details.issues` of `validation.failed` (zod's path, code, message). */
export const issue = z.strictObject({
  path: z.array(z.union([z.string(), z.number()])),
  code: z.string(),
  message: z.string(),
});
export type Issue = z.output<typeof issue>;

export const RISKS = ["low", "medium", "high", "critical"] as const;
export const risk = z.enum(RISKS);
export type Risk = z.output<typeof risk>;

export const VERBS = ["view", "run", "approve", "audit", "admin"] as const;
export type Verb = (typeof VERBS)[number];

export const policyMode = z.enum(["enforce", "monitor"]);

export const reviewers = z.strictObject({ groups: z.array(z.string()), users: z.array(z.string()) });
export type Reviewers = z.output<typeof reviewers>;

/** A JSON value whose shape belongs to a workspace (an action's parameters, result, snapshot). */
export const jsonValue = z.unknown();
