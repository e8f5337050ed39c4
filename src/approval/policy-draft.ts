// A draft of an approval policy, as an admin edits it before anything changes: a condition over the
// action's parameters (declarative — an admin never sends code to the server), reviewers and a
// quorum. Each part left out keeps the policy's current one, so "same rule, other reviewers" and
// "same reviewers, higher threshold" are both one small draft. Only the what-if replay reads it.
import type { CompiledAction, CompiledPolicy } from "../workspace/compile-workspace.ts";

export const DRAFT_OPS = ["gt", "gte", "lt", "lte", "eq", "ne", "in", "notIn", "present", "absent"] as const;
export type DraftOp = (typeof DRAFT_OPS)[number];
export type DraftScalar = string | number | boolean;

export interface DraftCondition {
  /** A parameter, or a path into one (`address.country`). */
  param: string;
  op: DraftOp;
  value?: DraftScalar | DraftScalar[] | undefined;
}

export type DraftWhen = "always" | { all: DraftCondition[] } | { any: DraftCondition[] };

export interface PolicyDraft {
  when?: DraftWhen | undefined;
  reviewers?: { groups?: string[] | undefined; users?: string[] | undefined } | undefined;
  quorum?: number | undefined;
}

/** The draft with every part filled in: a `when` of null means "the policy's current condition". */
export interface ResolvedDraft {
  when: DraftWhen | null;
  reviewers: { groups: string[]; users: string[] };
  quorum: number;
}

export function resolveDraft(policy: CompiledPolicy, draft: PolicyDraft): ResolvedDraft {
  return {
    when: draft.when ?? null,
    reviewers: {
      groups: draft.reviewers?.groups ?? policy.reviewers.groups,
      users: draft.reviewers?.users ?? policy.reviewers.users,
    },
    quorum: draft.quorum ?? policy.quorum,
  };
}

/**
 * What is wrong with a draft for this action, as sentences (empty when nothing): a parameter the
 * action does not have, a comparison without a value of the right kind, reviewers that name no one.
 */
export function draftProblems(
  action: CompiledAction,
  draft: ResolvedDraft,
  knownGroups: ReadonlySet<string>,
) {
  const problems: string[] = [];
  const params = Object.keys(action.params.shape);
  const conditions = draft.when === null || draft.when === "always" ? [] : conditionsOf(draft.when);
  conditions.forEach((condition, i) => {
    const at = `condition ${i + 1} (${condition.param})`;
    const top = condition.param.split(".")[0]!;
    if (!params.includes(top))
      problems.push(
        `${at}: ${action.name} has no parameter "${top}" (it has: ${params.join(", ") || "none"}).`,
      );
    const value = condition.value;
    if (condition.op === "present" || condition.op === "absent") {
      if (value !== undefined) problems.push(`${at}: "${condition.op}" takes no value.`);
    } else if (condition.op === "in" || condition.op === "notIn") {
      if (!Array.isArray(value) || value.length === 0)
        problems.push(`${at}: "${condition.op}" needs a non-empty list of values.`);
    } else if (condition.op === "eq" || condition.op === "ne") {
      if (value === undefined || Array.isArray(value))
        problems.push(`${at}: "${condition.op}" needs one value.`);
    } else if (typeof value !== "number" && typeof value !== "string") {
      problems.push(`${at}: "${condition.op}" needs a number (or a date as text) to compare with.`);
    }
  });
  for (const group of draft.reviewers.groups)
    if (!knownGroups.has(group)) problems.push(`reviewers: there is no group "${group}".`);
  if (draft.reviewers.groups.length + draft.reviewers.users.length === 0)
    problems.push("reviewers: a policy needs at least one reviewer group or person.");
  return problems;
}

function conditionsOf(when: Exclude<DraftWhen, "always">): DraftCondition[] {
  return "all" in when ? when.all : when.any;
}

/** True when the draft's condition holds for these parameters (the caller handles `when: null`). */
export function draftApplies(when: DraftWhen, params: unknown): boolean {
  if (when === "always") return true;
  if ("all" in when) return when.all.every((c) => holds(c, params));
  return when.any.some((c) => holds(c, params));
}

function holds(condition: DraftCondition, params: unknown): boolean {
  const actual = valueAt(params, condition.param);
  const expected = condition.value;
  switch (condition.op) {
    case "present":
      return actual !== undefined && actual !== null && actual !== "";
    case "absent":
      return actual === undefined || actual === null || actual === "";
    case "eq":
      return same(actual, expected);
    case "ne":
      return !same(actual, expected);
    case "in":
      return Array.isArray(expected) && expected.some((v) => same(actual, v));
    case "notIn":
      return Array.isArray(expected) && !expected.some((v) => same(actual, v));
    default:
      return compare(actual, expected, condition.op);
  }
}

// Numbers compare as numbers; text (ISO dates included) compares as text; anything else — a
// missing value, a number against text — does not satisfy an ordering, as in SQL.
function compare(actual: unknown, expected: unknown, op: "gt" | "gte" | "lt" | "lte"): boolean {
  const both = (t: string) => typeof actual === t && typeof expected === t;
  if (!both("number") && !both("string")) return false;
  const a = actual as number | string;
  const b = expected as number | string;
  return op === "gt" ? a > b : op === "gte" ? a >= b : op === "lt" ? a < b : a <= b;
}

// Text compares case-sensitively, exactly as a `when` written in code would with ===.
function same(actual: unknown, expected: unknown): boolean {
  return actual === expected;
}

function valueAt(params: unknown, path: string): unknown {
  let value: unknown = params;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The draft's condition in words, for the report and the audit event. */
export function describeWhen(when: DraftWhen | null): string {
  if (when === null) return "the policy's current condition";
  if (when === "always") return "every run";
  const join = "all" in when ? " and " : " or ";
  return conditionsOf(when)
    .map((c) => `${c.param} ${c.op}${c.value === undefined ? "" : ` ${JSON.stringify(c.value)}`}`)
    .join(join);
}
