// The front door of four-eyes on access and policy changes. An admin's change goes through
// `submit`: checked against the current state (bad input refused before anything is stored), then
// applied at once when its kind's rule does not ask for a second admin — or while only one admin
// exists (bootstrapping; the answer says so) — and otherwise held as a change request, which the
// approval module decides like any request (no self-approval, payload bound by hash, expiry,
// audited) and which is applied in the transaction that approves it (change-subject.ts).

import { approvalEvent } from "../approval/approval-audit.ts";
import { approve, cancel, type DecisionInput, reject } from "../approval/approval-decision.ts";
import type { ApprovalDeps } from "../approval/approval-deps.ts";
import { createApprovalRequest, decisionsOf } from "../approval/approval-store.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { ChangeContext } from "../identity/admin-change.ts";
import type { TokenView } from "../identity/api-tokens.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import { scrubText } from "../pii/mask.ts";
import { inTransaction } from "../store/transaction.ts";
import { applyChange, type ChangeDeps, type ChangeInput, prepareChange } from "./change-kinds.ts";
import { type ChangeListRow, type ChangeRow, getChange, insertChange, listChanges } from "./change-store.ts";
import { benefits, CHANGE_SUBJECT, changeHash } from "./change-subject.ts";
import { adminGroups } from "./sensitivity.ts";
import { collectServiceToken } from "./service-token.ts";

export type SubmitOutcome =
  | {
      applied: true;
      result: Record<string, unknown>;
      /** `not_required`: the kind's rule asks for no second admin; `bootstrap`: only one admin exists. */
      fourEyes: "not_required" | "bootstrap";
    }
  | { applied: false; change: ChangeView };

export interface ChangeView {
  id: string;
  kind: string;
  summary: string;
  /** What will be applied (a new user's password hash is never shown: `passwordSet`). */
  payload: Record<string, unknown>;
  status: string;
  requester: { id: string; name: string; email: string | null };
  reason: string | null;
  whyFourEyes: string | null;
  approvalRequestId: string | null;
  createdAt: string;
  expiresAt: string | null;
  decidedAt: string | null;
  result: Record<string, unknown> | null;
  decisions: {
    reviewerId: string;
    reviewerName: string;
    decision: string;
    reason: string | null;
    decidedAt: string;
  }[];
  /** Whether the caller may approve or reject it now, and if not, why (an error code). */
  canDecide: boolean;
  whyNot: string | null;
}

export interface ChangeRequests {
  submit(ctx: ChangeContext, change: ChangeInput, reason?: string | null): Promise<SubmitOutcome>;
  /** How many admins exist and whether four-eyes is in force (off while there is only one). */
  status(): Promise<{ admins: number; fourEyes: "on" | "bootstrap"; rules: Record<string, string> }>;
  list(
    principal: Principal,
    query: { status: "pending" | "mine" | "all"; limit: number },
  ): Promise<ChangeView[]>;
  get(principal: Principal, id: string): Promise<ChangeView>;
  decide(
    verb: "approve" | "reject" | "cancel",
    input: Omit<DecisionInput, "approvalRequestId" | "subjectKind"> & { changeId: string },
  ): Promise<ChangeView>;
  /** The token of an approved `token.create` change, minted for its requester, once. */
  collectToken(ctx: ChangeContext, changeId: string): Promise<TokenView & { token: string }>;
}

export function createChangeRequests(
  deps: ChangeDeps & { approvals: ApprovalDeps; afterApply: () => void },
): ChangeRequests {
  const { pool, workspace, authorizer } = deps;

  async function countAdmins(): Promise<number> {
    const groups = await adminGroups(workspace, authorizer);
    const result = await pool.query<{ n: number }>(
      `SELECT count(DISTINCT m.user_id)::int AS n FROM airlock.group_members m
         JOIN airlock.groups g ON g.id = m.group_id JOIN airlock.users u ON u.id = m.user_id
        WHERE g.name = ANY($1::text[]) AND u.status = 'active' AND u.kind = 'human'`,
      [groups],
    );
    return result.rows[0]!.n;
  }

  async function visible(principal: Principal, change: ChangeRow): Promise<boolean> {
    return change.requested_by === principal.id || (await authorizer.isWorkspaceAdmin(principal));
  }

  async function whyNot(principal: Principal, change: ChangeRow, decided: boolean): Promise<string | null> {
    if (principal.kind !== "human") return "approval.service_identity";
    if (change.requested_by === principal.id) return "approval.self_approval";
    if (change.status !== "pending") return "approval.not_pending";
    if (decided) return "approval.already_decided";
    if (!(await authorizer.isWorkspaceAdmin(principal))) return "approval.not_reviewer";
    if (await benefits(pool, deps, change, principal.id)) return "approval.own_access";
    return null;
  }

  async function view(principal: Principal, change: ChangeRow | ChangeListRow): Promise<ChangeView> {
    const listed = "requester_name" in change ? change : await withRequester(change);
    const decisions = change.approval_request_id ? await decisionsOf(pool, change.approval_request_id) : [];
    const reason = await whyNot(
      principal,
      change,
      decisions.some((d) => d.reviewer_id === principal.id),
    );
    return {
      id: change.id,
      kind: change.kind,
      summary: change.summary,
      payload: shownPayload(change.payload),
      status: change.status,
      requester: { id: change.requested_by, name: listed.requester_name, email: listed.requester_email },
      reason: change.reason,
      whyFourEyes: (change.result?.whyFourEyes as string | undefined) ?? null,
      approvalRequestId: change.approval_request_id,
      createdAt: iso(change.created_at)!,
      expiresAt: iso(listed.expires_at),
      decidedAt: iso(change.decided_at),
      result: change.status === "applied" ? change.result : null,
      decisions: decisions.map((d) => ({
        reviewerId: d.reviewer_id,
        reviewerName: d.reviewer_name,
        decision: d.decision,
        reason: d.reason,
        decidedAt: iso(d.decided_at)!,
      })),
      canDecide: reason === null,
      whyNot: reason,
    };
  }

  async function withRequester(change: ChangeRow): Promise<ChangeListRow> {
    const rows = await pool.query<{ name: string; email: string | null; expires_at: Date | null }>(
      `SELECT u.name, u.email, ar.expires_at FROM airlock.users u
         LEFT JOIN airlock.approval_requests ar ON ar.id = $2 WHERE u.id = $1`,
      [change.requested_by, change.approval_request_id],
    );
    const row = rows.rows[0]!;
    return {
      ...change,
      requester_name: row.name,
      requester_email: row.email,
      approval_status: null,
      expires_at: row.expires_at,
    };
  }

  async function applyNow(
    ctx: ChangeContext,
    prepared: Awaited<ReturnType<typeof prepareChange>>,
    fourEyes: "not_required" | "bootstrap",
  ): Promise<SubmitOutcome> {
    const result = await inTransaction(pool, async (tx) => {
      const made = await applyChange(tx, ctx, workspace, prepared.kind, prepared.payload);
      if (fourEyes === "bootstrap") {
        await appendAudit(tx, [
          {
            type: "change.applied",
            outcome: "success",
            actorId: ctx.actor.id,
            actorKind: ctx.actor.kind,
            requestId: ctx.requestId,
            targetType: "change",
            targetId: prepared.kind,
            clientIp: ctx.client.clientIp,
            userAgent: ctx.client.userAgent,
            data: {
              kind: prepared.kind,
              summary: prepared.summary,
              via: "bootstrap",
              why: "Only one admin exists; changes apply directly until a second admin does.",
            },
          },
        ]);
      }
      return made;
    });
    deps.afterApply();
    return { applied: true, result, fourEyes };
  }

  return {
    async submit(ctx, change, rawReason) {
      const prepared = await prepareChange(deps, change);
      const rule = workspace.governance.changeRequests[prepared.kind];
      const needed =
        !prepared.noop && (rule === "always" || (rule === "sensitive" && prepared.sensitive !== null));
      if (!needed) return await applyNow(ctx, prepared, "not_required");
      if ((await countAdmins()) <= 1) return await applyNow(ctx, prepared, "bootstrap");

      const reason = rawReason ? scrubText(rawReason) : null;
      const whyFourEyes = rule === "always" ? `every ${prepared.kind} change` : prepared.sensitive;
      const id = newId("chg");
      const approvalId = newId("apr");
      const payloadHash = changeHash(prepared.kind, prepared.payload);
      const policies = [
        {
          name: "four-eyes",
          reviewers: { groups: await adminGroups(workspace, authorizer), users: [] },
          quorum: 1,
          because: whyFourEyes,
        },
      ];
      try {
        await inTransaction(pool, async (tx) => {
          const made = await createApprovalRequest(tx, {
            id: approvalId,
            subject: { kind: CHANGE_SUBJECT, id },
            action: "airlock.change",
            actionVersion: prepared.kind,
            requesterId: ctx.actor.id,
            paramsHash: payloadHash,
            reason,
            policies,
            expiresInMs: workspace.governance.changeRequestExpiryMs,
            requestId: ctx.requestId,
          });
          await insertChange(tx, {
            id,
            kind: prepared.kind,
            payload: prepared.payload,
            payload_hash: payloadHash,
            summary: prepared.summary,
            conflict_key: prepared.conflictKey,
            beneficiaries: prepared.beneficiaries,
            requested_by: ctx.actor.id,
            reason,
            approval_request_id: approvalId,
            request_id: ctx.requestId,
          });
          // Kept with the row so the reviewer reads why a second admin is asked.
          await tx.query("UPDATE airlock.change_requests SET result = $2::jsonb WHERE id = $1", [
            id,
            JSON.stringify({ whyFourEyes }),
          ]);
          await appendAudit(tx, [
            approvalEvent(
              "approval.requested",
              "pending",
              {
                action: null,
                request: {
                  id: approvalId,
                  action: "airlock.change",
                  action_version: prepared.kind,
                  run_id: null,
                  subject_kind: CHANGE_SUBJECT,
                  subject_id: id,
                },
                run: null,
                actor: ctx.actor,
                requestId: ctx.requestId,
                client: ctx.client,
              },
              {
                reason,
                data: {
                  change: { kind: prepared.kind, summary: prepared.summary, whyFourEyes },
                  expiresAt: made.expiresAt,
                  policies,
                },
              },
            ),
          ]);
        });
      } catch (error) {
        if ((error as { constraint?: string }).constraint === "change_requests_pending_conflict_idx")
          throw new AirlockError("change.conflict", undefined, { summary: prepared.summary });
        throw error;
      }
      deps.approvals.outbox.nudge();
      const row = (await getChange(pool, id))!;
      return { applied: false, change: await view(ctx.actor, row) };
    },

    async status() {
      const admins = await countAdmins();
      return {
        admins,
        fourEyes: admins <= 1 ? "bootstrap" : "on",
        rules: { ...workspace.governance.changeRequests },
      };
    },

    async list(principal, query) {
      const admin = await authorizer.isWorkspaceAdmin(principal);
      if (!admin && query.status !== "mine") return [];
      const rows = await listChanges(pool, {
        status: query.status === "pending" ? "pending" : "all",
        ...(query.status === "mine" ? { requestedBy: principal.id } : {}),
        limit: query.limit,
      });
      const views: ChangeView[] = [];
      for (const row of rows) views.push(await view(principal, row));
      return views;
    },

    async get(principal, id) {
      const change = await getChange(pool, id);
      if (!change || !(await visible(principal, change))) throw new AirlockError("change.not_found");
      return await view(principal, change);
    },

    async decide(verb, input) {
      const change = await getChange(pool, input.changeId);
      if (!change?.approval_request_id || !(await visible(input.principal, change)))
        throw new AirlockError("change.not_found");
      const decision = {
        ...input,
        approvalRequestId: change.approval_request_id,
        subjectKind: CHANGE_SUBJECT,
      };
      const run = verb === "approve" ? approve : verb === "reject" ? reject : cancel;
      const outcome = await run(deps.approvals, decision);
      if (!outcome.ok) throw outcome.error;
      return await view(input.principal, (await getChange(pool, change.id))!);
    },

    async collectToken(ctx, changeId) {
      return await inTransaction(pool, (tx) =>
        collectServiceToken(tx, ctx, changeId, workspace.governance.changeRequestExpiryMs),
      );
    },
  };
}

/** A new user's password hash never leaves the server; the reviewer sees that one was set. */
function shownPayload(payload: Record<string, unknown>): Record<string, unknown> {
  if (!("passwordHash" in payload)) return payload;
  const { passwordHash, ...rest } = payload;
  return { ...rest, passwordSet: passwordHash !== null };
}

function iso(value: Date | string | null | undefined): string | null {
  if (!value) return null;
  return new Date(value).toISOString();
}
