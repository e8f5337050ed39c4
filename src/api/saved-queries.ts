// Saved queries: a read-only SQL action with its parameters, kept under a name by its owner, to
// start a bulk batch from its rows (`savedQuery` in a bulk selection). Only the owner sees them.
import { z } from "zod";
import { isoTime } from "./common.ts";

export const savedQuery = z.strictObject({
  id: z.string(),
  name: z.string(),
  action: z.string().describe("A read-only SQL action"),
  params: z.record(z.string(), z.unknown()).describe("Its parameters, PII-classified fields masked"),
  createdAt: isoTime,
});
export type SavedQuery = z.output<typeof savedQuery>;

export const savedQueryBody = z.strictObject({
  name: z.string().trim().min(1).max(100).describe("Unique among your saved queries"),
  action: z.string().min(1).max(200),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const savedQueryList = z.strictObject({ savedQueries: z.array(savedQuery) });
export type SavedQueryList = z.output<typeof savedQueryList>;
