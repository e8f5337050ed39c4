// Policy what-if: replays the last N days of an action's runs against a draft of one of its
// policies (policy-draft.ts) and says what would have been different — how many runs the draft
// would gate against how many the policy gates today, which runs change category, who could
// approve under the draft, and where no one but the requester could. Nothing is changed: a
// condition lives in code (a deploy, recorded in the action change log) and a mode switch goes
// through a change request; the replay is the evidence an admin brings to either.
//
// Each run is judged on its real parameters (opened from their envelope when classified, never
// returned: the report shows the masked ones) and on the groups its requester held when the run
// was requested (membership-history.ts, from the audit trail). Who could have approved each run
// under the draft is judged with the reviewers' groups at that time too (reviewers-then.ts); the
// report's lists of eligible reviewers are today's. The replay itself is audited (`policy.what_if`),
// since it reads every run's parameters.
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import { loadPrincipal } from "../identity/load-principal.ts";
import { membershipHistory } from "../identity/membership-history.ts";
import { actorOf, type Principal } from "../identity/principal.ts";
import { scrubText } from "../pii/mask.ts";
import { rawRunValue } from "../runs/run-values.ts";
import type { CompiledAction, CompiledPolicy } from "../workspace/compile-workspace.ts";
import type { ApprovalDeps } from "./approval-deps.ts";
import { eligibleReviewers } from "./eligible-reviewers.ts";
import {
  type DraftScalar,
  describeWhen,
  draftApplies,
  draftProblems,
  type PolicyDraft,
  type ResolvedDraft,
  resolveDraft,
} from "./policy-draft.ts";
import { overrideKey } from "./policy-modes.ts";
import { type Person, reviewersThen } from "./reviewers-then.ts";

type Deps = Pick<ApprovalDeps, "workspace" | "authorizer" | "pool" | "policyModes" | "keyring">;

/** Runs replayed at most; past it the report says so (`truncated`) and covers the newest. */
export const WHAT_IF_MAX_RUNS = 10_000;
/** Changed runs listed one by one; the counts cover all. */
const LISTED_CHANGES = 200;

export type WhatIfCategory = "still_gated" | "newly_gated" | "no_longer_gated" | "still_free" | "unknown";

export interface WhatIfInput {
  principal: Principal;
  name: string;
  action?: string | undefined;
  days: number;
  draft: PolicyDraft;
  requestId: string;
  client: ClientInfo;
}

interface RunRow {
  id: string;
  actor_id: string;
  actor_name: string | null;
  on_behalf_of: string | null;
  status: string;
  created_at: Date;
  params: Record<string, unknown>;
  result: unknown;
  params_sealed: Buffer | null;
  result_sealed: Buffer | null;
  values_masked: boolean;
  pii_purged_at: Date | null;
}

export async function policyWhatIf(deps: Deps, input: WhatIfInput) {
  const { action, policy } = await resolveReadable(deps, input);
  const knownGroups = new Set(
    (await deps.pool.query<{ name: string }>("SELECT name FROM airlock.groups")).rows.map((r) => r.name),
  );
  const draft = resolveDraft(policy, input.draft);
  const problems = draftProblems(action, draft, knownGroups);
  if (problems.length > 0)
    throw new AirlockError("policy.draft_invalid", `The draft cannot be replayed: ${problems[0]}`, {
      problems,
    });

  const since = new Date(Date.now() - input.days * 86_400_000);
  const rows = (
    await deps.pool.query<RunRow>(
      `SELECT r.id, r.actor_id, u.name AS actor_name, r.on_behalf_of, r.status, r.created_at, r.params,
              r.result, r.params_sealed, r.result_sealed, r.values_masked, r.pii_purged_at
         FROM airlock.runs r LEFT JOIN airlock.users u ON u.id = r.actor_id
        WHERE r.action = $1 AND r.created_at >= $2
        ORDER BY r.created_at DESC, r.id DESC LIMIT $3`,
      [action.name, since, WHAT_IF_MAX_RUNS + 1],
    )
  ).rows;
  const truncated = rows.length > WHAT_IF_MAX_RUNS;
  if (truncated) rows.length = WHAT_IF_MAX_RUNS;

  const [reviewersNow, reviewersDraft] = await Promise.all([
    reviewersUnder(deps, action, policy.reviewers),
    reviewersUnder(deps, action, draft.reviewers),
  ]);
  const requesters = new Map<string, Principal>();
  const totals = {
    runs: rows.length,
    gatedNow: 0,
    gatedDraft: 0,
    still_gated: 0,
    newly_gated: 0,
    no_longer_gated: 0,
    still_free: 0,
    unknown: 0,
    /** Runs the draft gates for which fewer than `quorum` people other than the requester could approve. */
    noQuorumPossible: 0,
  };
  const byRequester = new Map<
    string,
    { id: string; name: string | null; gatedNow: number; gatedDraft: number }
  >();
  const changed: {
    runId: string;
    createdAt: string;
    status: string;
    requester: { id: string; name: string | null };
    category: WhatIfCategory;
    params: unknown;
    note: string | null;
    reviewersThen: Person[] | null;
  }[] = [];

  const oldest = new Date(Math.min(Date.now(), ...rows.map((r) => r.created_at.getTime())));
  const [groupsAt, draftReviewersAt] = await Promise.all([
    membershipHistory(
      deps.pool,
      rows.map((r) => r.actor_id),
      oldest,
    ),
    reviewersThen(deps.pool, deps.authorizer, action, draft.reviewers, oldest),
  ]);
  for (const run of rows) {
    const person = requesters.get(run.actor_id) ?? (await requesterOf(deps, run));
    requesters.set(run.actor_id, person);
    const requester = { ...person, groups: groupsAt(run.actor_id, run.created_at) };
    const verdict = judge(deps, action, policy, draft, requester, run);
    const category: WhatIfCategory =
      verdict.now === null || verdict.draft === null
        ? "unknown"
        : verdict.now
          ? verdict.draft
            ? "still_gated"
            : "no_longer_gated"
          : verdict.draft
            ? "newly_gated"
            : "still_free";
    totals[category]++;
    if (verdict.now) totals.gatedNow++;
    // Who could have decided it under the draft when it was requested, besides its requester.
    let others: Person[] | null = null;
    if (verdict.draft) {
      totals.gatedDraft++;
      others = (await draftReviewersAt(run.created_at)).filter(
        (r) => r.id !== run.actor_id && r.id !== run.on_behalf_of,
      );
      if (others.length < draft.quorum) totals.noQuorumPossible++;
    }
    const who = byRequester.get(run.actor_id) ?? {
      id: run.actor_id,
      name: run.actor_name,
      gatedNow: 0,
      gatedDraft: 0,
    };
    if (verdict.now) who.gatedNow++;
    if (verdict.draft) who.gatedDraft++;
    byRequester.set(run.actor_id, who);
    if (category !== "still_gated" && category !== "still_free" && changed.length < LISTED_CHANGES) {
      changed.push({
        runId: run.id,
        createdAt: run.created_at.toISOString(),
        status: run.status,
        requester: { id: run.actor_id, name: run.actor_name },
        category,
        // The column as stored: classified fields masked. The raw values never leave this module.
        params: run.params,
        note: verdict.note,
        reviewersThen: others,
      });
    }
  }

  const overrides = await deps.policyModes.overrides();
  const mode = overrides.get(overrideKey(action.name, policy.name))?.mode ?? policy.mode;
  const report = {
    action: action.name,
    policy: policy.name,
    mode,
    days: input.days,
    since: since.toISOString(),
    current: {
      condition: policy.when ? "the condition in code" : "every run",
      reviewers: policy.reviewers,
      quorum: policy.quorum,
      eligibleReviewers: reviewersNow,
    },
    draft: {
      condition: describeWhen(draft.when),
      reviewers: draft.reviewers,
      quorum: draft.quorum,
      eligibleReviewers: reviewersDraft,
    },
    truncated,
    totals,
    byRequester: [...byRequester.values()].sort(
      (a, b) => b.gatedDraft - a.gatedDraft || a.id.localeCompare(b.id),
    ),
    changed,
  };
  await appendAudit(deps.pool, [
    {
      type: "policy.what_if",
      outcome: "info",
      actorId: input.principal.id,
      actorKind: input.principal.kind,
      action: action.name,
      actionVersion: action.version,
      requestId: input.requestId,
      clientIp: input.client.clientIp,
      userAgent: input.client.userAgent,
      data: {
        policy: policy.name,
        days: input.days,
        // A draft's values are typed by a person (an email to compare with, say): scrubbed like any
        // free text before the audit trail keeps them.
        draft: { when: scrubbedWhen(draft.when), reviewers: draft.reviewers, quorum: draft.quorum },
        runs: totals.runs,
        gatedNow: totals.gatedNow,
        gatedDraft: totals.gatedDraft,
      },
    },
  ]);
  return report;
}

interface Verdict {
  /** Whether the policy gates the run today (null when its parameters are no longer kept). */
  now: boolean | null;
  draft: boolean | null;
  note: string | null;
}

function judge(
  deps: Deps,
  action: CompiledAction,
  policy: CompiledPolicy,
  draft: ResolvedDraft,
  requester: Principal,
  run: RunRow,
): Verdict {
  let params: Record<string, unknown> | undefined;
  try {
    // Nothing classified (in the action, or in this run's values): the column is the raw value.
    params =
      action.piiParams.length === 0 || (run.values_masked && !run.params_sealed && !run.pii_purged_at)
        ? run.params
        : (rawRunValue(deps.keyring, run, "params") as Record<string, unknown> | undefined);
  } catch {
    return { now: null, draft: null, note: "its classified parameters cannot be decrypted here" };
  }
  if (params === undefined)
    return { now: null, draft: null, note: "its parameters are no longer kept (retention)" };
  let note: string | null = null;
  let now: boolean;
  try {
    const verdict = policy.when
      ? policy.when(params, { actor: actorOf(requester), groups: requester.groups })
      : true;
    now = verdict === true || (typeof verdict === "string" && verdict.length > 0);
    if (typeof verdict === "string" && verdict.length > 0) note = verdict;
  } catch {
    // As the pipeline does: a condition that throws applies.
    now = true;
    note = "the current condition could not be evaluated";
  }
  return { now, draft: draft.when === null ? now : draftApplies(draft.when, params), note };
}

async function requesterOf(deps: Deps, run: RunRow): Promise<Principal> {
  const principal = await loadPrincipal(deps.pool, run.actor_id);
  // A disabled requester is still judged with the groups they held then (set by the caller).
  return (
    principal ?? {
      id: run.actor_id,
      kind: "human",
      name: run.actor_name ?? run.actor_id,
      email: null,
      groups: [],
      via: "service",
    }
  );
}

/** People who could decide under these reviewers (eligible-reviewers.ts), as id and name. */
async function reviewersUnder(
  deps: Deps,
  action: CompiledAction,
  reviewers: { groups: readonly string[]; users: readonly string[] },
): Promise<{ id: string; name: string }[]> {
  const policy = {
    name: "what-if",
    reviewers: { groups: [...reviewers.groups], users: [...reviewers.users] },
    quorum: 1,
    because: null,
  };
  const people = await eligibleReviewers(deps.pool, deps.authorizer, action, [policy]);
  return people.map((p) => ({ id: p.id, name: p.name }));
}

/**
 * The named policy, once the caller is known to hold `admin` or `audit` on its action (else
 * `permission.denied`, audited); a policy the caller may not even see is `policy.not_found`.
 */
async function resolveReadable(
  deps: Deps,
  input: WhatIfInput,
): Promise<{ action: CompiledAction; policy: CompiledPolicy }> {
  const matches: { action: CompiledAction; policy: CompiledPolicy }[] = [];
  for (const action of deps.workspace.actions.values()) {
    if (input.action !== undefined && action.name !== input.action) continue;
    const policy = action.policies.find((p) => p.name === input.name);
    if (policy && (await deps.authorizer.can(input.principal, "view", action)).allowed)
      matches.push({ action, policy });
  }
  if (matches.length === 0) throw new AirlockError("policy.not_found");
  if (matches.length > 1)
    throw new AirlockError(
      "admin.invalid",
      `Several actions have a policy named "${input.name}"; say which with "action".`,
      { actions: matches.map((m) => m.action.name) },
    );
  const { action, policy } = matches[0]!;
  const [admin, audit] = await Promise.all([
    deps.authorizer.can(input.principal, "admin", action),
    deps.authorizer.can(input.principal, "audit", action),
  ]);
  if (!admin.allowed && !audit.allowed) {
    await appendAudit(deps.pool, [
      {
        type: "permission.denied",
        outcome: "denied",
        actorId: input.principal.id,
        actorKind: input.principal.kind,
        action: action.name,
        actionVersion: action.version,
        requestId: input.requestId,
        errorCode: "permission.denied",
        clientIp: input.client.clientIp,
        userAgent: input.client.userAgent,
        data: { attempted: "policy.what_if", policy: policy.name },
      },
    ]);
    throw new AirlockError("permission.denied", "A policy what-if needs admin or audit on its action.");
  }
  return { action, policy };
}

function scrubbedWhen(when: ResolvedDraft["when"]): ResolvedDraft["when"] {
  if (when === null || when === "always") return when;
  const scrub = (v: DraftScalar): DraftScalar => (typeof v === "string" ? scrubText(v) : v);
  const conditions = ("all" in when ? when.all : when.any).map((c) => ({
    ...c,
    ...(c.value === undefined ? {} : { value: Array.isArray(c.value) ? c.value.map(scrub) : scrub(c.value) }),
  }));
  return "all" in when ? { all: conditions } : { any: conditions };
}
