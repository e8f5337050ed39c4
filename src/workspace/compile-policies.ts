// An action's approval policies: named (defaulting to `<action>.approval[.n]`), with reviewers, a
// quorum, an expiry and a mode. Problems are collected, not thrown, so the author sees all at once.
import type { AnyAction, ApprovalPolicy } from "../sdk/define-action.ts";
import { durationMs } from "../sdk/duration.ts";

const DEFAULT_EXPIRY_MS = 24 * 3_600_000;

export interface CompiledPolicy {
  name: string;
  description: string | null;
  when: ApprovalPolicy["when"];
  reviewers: { groups: string[]; users: string[] };
  quorum: number;
  expiresInMs: number;
  mode: "enforce" | "monitor";
  /** Set only when on, so that the versions of actions without it do not change. */
  requesterChoosesReviewers?: true;
}

export function compilePolicies(action: AnyAction, where: string, problems: string[]): CompiledPolicy[] {
  const list =
    action.approval === undefined ? [] : Array.isArray(action.approval) ? action.approval : [action.approval];
  const names = new Set<string>();
  return list.map((policy, index) => {
    const name =
      policy.name ?? (list.length === 1 ? `${action.name}.approval` : `${action.name}.approval.${index + 1}`);
    if (names.has(name)) problems.push(`${where}: two approval policies are named "${name}".`);
    names.add(name);
    const groups = [...(policy.reviewers?.groups ?? [])];
    const users = [...(policy.reviewers?.users ?? [])];
    if (groups.length + users.length === 0)
      problems.push(`${where}: approval policy "${name}" names no reviewers.`);
    const quorum = policy.quorum ?? 1;
    if (!Number.isInteger(quorum) || quorum < 1)
      problems.push(`${where}: approval policy "${name}": quorum must be a whole number ≥ 1.`);
    let expiresInMs = DEFAULT_EXPIRY_MS;
    try {
      if (policy.expiresIn !== undefined) expiresInMs = durationMs(policy.expiresIn);
    } catch (error) {
      problems.push(`${where}: approval policy "${name}": expiresIn: ${(error as Error).message}`);
    }
    const mode = policy.mode ?? "enforce";
    if (mode !== "enforce" && mode !== "monitor")
      problems.push(`${where}: approval policy "${name}": mode must be enforce or monitor.`);
    const choice = policy.requesterChoosesReviewers;
    if (choice !== undefined && typeof choice !== "boolean")
      problems.push(`${where}: approval policy "${name}": requesterChoosesReviewers must be true or false.`);
    if (policy.when !== undefined && typeof policy.when !== "function") {
      problems.push(`${where}: approval policy "${name}": when must be a function.`);
    }
    return {
      name,
      description: policy.description ?? null,
      when: policy.when as CompiledPolicy["when"],
      reviewers: { groups, users },
      quorum,
      expiresInMs,
      mode,
      ...(choice === true ? { requesterChoosesReviewers: true as const } : {}),
    };
  });
}
