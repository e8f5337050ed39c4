// Bulk actions for the entry points (HTTP routes, CLI through HTTP): preview a selection, start a
// batch, follow it, pause, resume, cancel, decide its approval, read its items and its report,
// retry its failed items. Every check is here, server side: `run` on the action to preview or
// start; `view` on it (or having started the batch) to read one; being the requester or holding
// `approve` to pause, resume or cancel. The durable engine is acquired only when some action of
// the workspace allows bulk runs.
import type pg from "pg";
import type { BulkBatch, BulkPreview } from "../api/bulk.ts";
import { approvalEvent } from "../approval/approval-audit.ts";
import { approve, cancel, type DecisionInput, reject } from "../approval/approval-decision.ts";
import type { ApprovalDeps } from "../approval/approval-deps.ts";
import { createApprovalRequest } from "../approval/approval-store.ts";
import { type ReviewerChoiceInput, reviewerOptionsFor, sameChoice } from "../approval/reviewer-choice.ts";
import type { ClientInfo } from "../audit/audit-event.ts";
import { appendAudit } from "../audit/audit-writer.ts";
import type { Control } from "../control/control.ts";
import { isValidKey } from "../control/idempotency-store.ts";
import { acquireDurableEngine, type DurableEngine } from "../engine/durable-engine.ts";
import { AirlockError } from "../errors/airlock-error.ts";
import type { Authorizer } from "../identity/authorizer.ts";
import type { Principal } from "../identity/principal.ts";
import { newId } from "../ids/ids.ts";
import type { Log } from "../observe/logger.ts";
import { maskFields, scrubText } from "../pii/mask.ts";
import type { BulkOptions } from "../sdk/define-action.ts";
import { inTransaction } from "../store/transaction.ts";
import type { CompiledAction, CompiledWorkspace } from "../workspace/compile-workspace.ts";
import { batchEvent, emitProgress } from "./bulk-audit.ts";
import { type BatchItem, buildItemSet, bulkOptionsOf, itemSetHash, type Selection } from "./bulk-item-set.ts";
import {
  hasClassifiedParams,
  type ItemSealing,
  itemHashKey,
  itemParams,
  sealItems,
} from "./bulk-item-values.ts";
import { batchPolicy } from "./bulk-policy.ts";
import { failureReport } from "./bulk-report.ts";
import { asStoredChoice, chooseBatchReviewers, chosenReviewersOfBatch } from "./bulk-reviewers.ts";
import { BULK_WORKFLOW, bulkWorkflow } from "./bulk-runner.ts";
import {
  type BatchRow,
  type BatchStatus,
  findBatchByKey,
  getBatch,
  type ItemRow,
  type ItemStatus,
  insertBatch,
  itemCounts,
  listItems,
  moveBatch,
  mustFind,
  runningBatches,
  skipPending,
} from "./bulk-store.ts";
import { BULK_SUBJECT, bulkSubjectKind } from "./bulk-subject.ts";

const DEFAULT_CONCURRENCY = 4;
const SAMPLE_SIZE = 5;

export interface BulkDeps {
  workspace: CompiledWorkspace;
  pool: pg.Pool;
  databaseUrl: string;
  authorizer: Authorizer;
  control: Control;
  approvals: ApprovalDeps;
  log: Log;
  racePoint?: (name: string) => Promise<void>;
}

/** Who asks, from where: the HTTP request's ID and client. */
export interface Asker {
  principal: Principal;
  requestId: string;
  client: ClientInfo;
}

export interface Bulk {
  preview(principal: Principal, input: { action: string } & Selection): Promise<BulkPreview>;
  start(
    asker: Asker,
    input: {
      action: string;
      itemSetHash: string;
      reason?: string | undefined;
      concurrency?: number | undefined;
      /** Narrows the batch approval's reviewers, where its policies allow it (reviewer-choice.ts). */
      reviewers?: ReviewerChoiceInput | undefined;
    } & Selection,
    idempotencyKey: string | null,
  ): Promise<{ batch: BulkBatch; replayed: boolean }>;
  get(principal: Principal, id: string): Promise<BulkBatch>;
  items(
    principal: Principal,
    id: string,
    filter: { status?: ItemStatus | undefined; after?: number | undefined; limit: number },
  ): Promise<ItemRow[]>;
  pause(asker: Asker, id: string, reason: string | null): Promise<BulkBatch>;
  resume(asker: Asker, id: string, reason: string | null): Promise<BulkBatch>;
  cancel(asker: Asker, id: string, reason: string | null): Promise<BulkBatch>;
  decide(asker: Asker, id: string, verb: "approve" | "reject", reason: string | null): Promise<BulkBatch>;
  /** The failure report as CSV (formula-safe, PII masked). */
  report(principal: Principal, id: string): Promise<string>;
  /** A new batch of the failed items, referencing this one. */
  retryFailed(asker: Asker, id: string, reason: string | null): Promise<BulkBatch>;
  /** Start the workflow of running batches that have none (a crash between commit and start). */
  sweep(): Promise<string[]>;
  engine(): DurableEngine | null;
  close(): Promise<void>;
}

export async function createBulk(deps: BulkDeps): Promise<Bulk> {
  const { workspace, pool, authorizer } = deps;
  let engine: DurableEngine | null = null;
  const startWorkflow = (batchId: string, generation: number) => {
    if (!engine) return;
    engine.start(BULK_WORKFLOW, `${batchId}:${generation}`, { batchId }).catch((error) => {
      deps.log.error({ err: error, batchId }, "bulk: could not start the batch's workflow; the sweep will");
    });
  };
  const sealing: ItemSealing = {
    keyring: deps.approvals.keyring,
    paramsHashKey: deps.approvals.paramsHashKey ?? null,
  };
  const itemDeps = { pool, log: deps.log, sealing };
  deps.approvals.subjects.register(
    bulkSubjectKind({
      workspace,
      authorizer,
      paramsHashKey: sealing.paramsHashKey,
      started: startWorkflow,
    }),
  );
  const anyBulk = [...workspace.actions.values()].some((a) => a.definition.bulk);
  let sweeper: NodeJS.Timeout | null = null;
  if (anyBulk) {
    engine = await acquireDurableEngine({
      url: deps.databaseUrl,
      log: deps.log,
      workflows: {
        [BULK_WORKFLOW]: bulkWorkflow({
          workspace,
          pool,
          control: deps.control,
          approvals: deps.approvals,
          log: deps.log,
          ...(deps.racePoint ? { racePoint: deps.racePoint } : {}),
        }),
      },
    });
    sweeper = setInterval(() => {
      sweep().catch((error) => deps.log.warn({ err: error }, "bulk: sweep failed"));
    }, 30_000);
    sweeper.unref();
  }

  async function sweep(): Promise<string[]> {
    if (!engine) return [];
    const started: string[] = [];
    for (const batch of await runningBatches(pool)) {
      const id = `${batch.id}:${batch.generation}`;
      if (await engine.state(id)) continue;
      startWorkflow(batch.id, batch.generation);
      started.push(batch.id);
    }
    return started;
  }

  async function runnable(principal: Principal, name: string): Promise<CompiledAction> {
    const action = workspace.actions.get(name);
    if (!action || !(await authorizer.can(principal, "view", action)).allowed)
      throw new AirlockError("action.not_found");
    if (!(await authorizer.can(principal, "run", action)).allowed)
      throw new AirlockError("permission.denied");
    return action;
  }

  async function visible(
    principal: Principal,
    id: string,
  ): Promise<{ batch: BatchRow; action: CompiledAction | null }> {
    const batch = await getBatch(pool, id);
    if (!batch) throw new AirlockError("bulk.not_found");
    const action = workspace.actions.get(batch.action) ?? null;
    if (batch.requester_id === principal.id) return { batch, action };
    if (action && (await authorizer.can(principal, "view", action)).allowed) return { batch, action };
    throw new AirlockError("bulk.not_found");
  }

  async function mayControl(principal: Principal, batch: BatchRow, action: CompiledAction | null) {
    if (batch.requester_id === principal.id) return;
    if (action && (await authorizer.can(principal, "approve", action)).allowed) return;
    throw new AirlockError("permission.denied");
  }

  async function view(batch: BatchRow): Promise<BulkBatch> {
    const counts = await itemCounts(pool, batch.id);
    const requester = await pool.query<{ name: string }>("SELECT name FROM airlock.users WHERE id = $1", [
      batch.requester_id,
    ]);
    const done = counts.succeeded + counts.failed + counts.skipped;
    let etaSeconds: number | null = null;
    if (batch.status === "running" && batch.started_at && done > 0) {
      const elapsed = (Date.now() - new Date(batch.started_at).getTime()) / 1000;
      etaSeconds = Math.round((elapsed / done) * counts.pending);
    }
    return {
      id: batch.id,
      action: batch.action,
      status: batch.status,
      requester: { id: batch.requester_id, name: requester.rows[0]?.name ?? null },
      itemCount: batch.item_count,
      itemSetHash: batch.item_set_hash,
      totals: batch.totals,
      reason: batch.reason,
      approvalRequestId: batch.approval_request_id,
      retryOf: batch.retry_of,
      concurrency: batch.concurrency,
      stopReason: batch.stop_reason,
      requestId: batch.request_id,
      counts,
      etaSeconds,
      createdAt: iso(batch.created_at)!,
      startedAt: iso(batch.started_at),
      finishedAt: iso(batch.finished_at),
    };
  }

  async function createBatch(
    asker: Asker,
    action: CompiledAction,
    items: BatchItem[],
    totals: Record<string, number>,
    options: {
      reason: string | null;
      concurrency: number | undefined;
      idempotencyKey: string | null;
      retryOf: string | null;
      reviewers: ReviewerChoiceInput | null;
    },
  ): Promise<BatchRow> {
    const bulk = bulkOptionsOf(action);
    const decision = await batchPolicy(
      { log: deps.log, policyModes: deps.approvals.policyModes },
      action,
      bulk,
      asker.principal,
      { items, totals },
    );
    const id = newId("blk");
    const held = decision.policies.length > 0;
    // As for a run: a choice only matters when the batch is held, and is checked before anything
    // is stored, against the policies that hold this item set.
    const chosen = held
      ? await chooseBatchReviewers({ pool, authorizer }, asker, action, decision, options.reviewers)
      : null;
    const approvalId = held ? newId("apr") : null;
    const hash = itemSetHash(action, items, itemHashKey(action, sealing));
    const batch = await inTransaction(pool, async (tx) => {
      if (approvalId) {
        const made = await createApprovalRequest(tx, {
          id: approvalId,
          subject: { kind: BULK_SUBJECT, id },
          action: action.name,
          actionVersion: action.version,
          requesterId: asker.principal.id,
          paramsHash: hash,
          reason: options.reason,
          policies: decision.policies,
          chosenReviewers: chosen,
          expiresInMs: decision.expiresInMs,
          requestId: asker.requestId,
        });
        await appendAudit(tx, [
          approvalEvent(
            "approval.requested",
            "pending",
            {
              action,
              request: {
                id: approvalId,
                action: action.name,
                action_version: action.version,
                run_id: null,
                subject_kind: BULK_SUBJECT,
                subject_id: id,
              },
              run: null,
              actor: asker.principal,
              requestId: asker.requestId,
              client: asker.client,
            },
            {
              reason: options.reason,
              data: {
                expiresAt: made.expiresAt,
                policies: decision.policies,
                items: items.length,
                totals,
                ...(chosen ? { chosenReviewers: chosen } : {}),
              },
            },
          ),
        ]);
      }
      await insertBatch(
        tx,
        {
          id,
          action: action.name,
          action_version: action.version,
          status: held ? "pending_approval" : "running",
          requester_id: asker.principal.id,
          idempotency_key: options.idempotencyKey,
          item_set_hash: hash,
          item_count: items.length,
          totals,
          reason: options.reason,
          approval_request_id: approvalId,
          retry_of: options.retryOf,
          concurrency: options.concurrency ?? bulk.concurrency ?? DEFAULT_CONCURRENCY,
          request_id: asker.requestId,
        },
        sealItems(action, sealing, id, items),
      );
      const row = (await getBatch(tx, id))!;
      if (!held)
        await appendAudit(tx, [
          batchEvent(
            "bulk.started",
            "info",
            row,
            { actorId: asker.principal.id, actorKind: asker.principal.kind, requestId: asker.requestId },
            { data: { totals, retryOf: options.retryOf } },
          ),
        ]);
      return row;
    });
    deps.approvals.outbox.nudge();
    if (batch.status === "running") startWorkflow(batch.id, batch.generation);
    return batch;
  }

  async function move(
    asker: Asker,
    id: string,
    from: BatchStatus[],
    to: BatchStatus,
    reason: string | null,
    type: "bulk.paused" | "bulk.resumed" | "bulk.cancelled",
  ): Promise<BulkBatch> {
    const { batch, action } = await visible(asker.principal, id);
    await mayControl(asker.principal, batch, action);
    const scrubbed = reason?.trim() ? scrubText(reason.trim()) : null;
    const moved = await inTransaction(pool, async (tx) => {
      const row = await moveBatch(tx, id, from, to, { nextGeneration: to === "running" });
      if (!row) return null;
      const skipped =
        to === "cancelled" ? await skipPending(tx, id, "bulk.cancelled", "The batch was cancelled.") : 0;
      await emitProgress(tx, row);
      await appendAudit(tx, [
        batchEvent(
          type,
          "info",
          row,
          { actorId: asker.principal.id, actorKind: asker.principal.kind, requestId: asker.requestId },
          { reason: scrubbed, data: to === "cancelled" ? { skipped } : {} },
        ),
      ]);
      return row;
    });
    if (!moved)
      throw new AirlockError(
        "bulk.invalid_transition",
        `The batch is ${(await getBatch(pool, id))?.status ?? batch.status}; it cannot be ${to === "running" ? "resumed" : to}.`,
      );
    if (moved.status === "running") startWorkflow(moved.id, moved.generation);
    return await view(moved);
  }

  return {
    async preview(principal, input) {
      const action = await runnable(principal, input.action);
      const bulk = bulkOptionsOf(action);
      const set = await buildItemSet(itemDeps, action, input);
      const decision = await batchPolicy(
        { log: deps.log, policyModes: deps.approvals.policyModes },
        action,
        bulk,
        principal,
        set,
      );
      return {
        action: action.name,
        count: set.items.length,
        maxItems: bulk.maxItems,
        totals: set.totals,
        refused: set.refused,
        // Classified values masked, as on a run's page: the preview is a response like any other.
        sample: set.items.slice(0, SAMPLE_SIZE).map((i) => ({
          position: i.position,
          params: maskFields(i.params, action.piiParams) as Record<string, unknown>,
        })),
        itemSetHash: set.hash,
        needsApproval: decision.policies.length > 0,
        policies: decision.policies.map((p) => ({
          ...p,
          requesterChoosesReviewers: decision.choosable.includes(p.name),
        })),
        reviewerOptions:
          decision.choosable.length > 0
            ? await reviewerOptionsFor(
                { pool, authorizer },
                action,
                decision.policies.filter((p) => decision.choosable.includes(p.name)),
                principal,
              )
            : null,
      };
    },

    async start(asker, input, idempotencyKey) {
      if (idempotencyKey !== null && !isValidKey(idempotencyKey))
        throw new AirlockError("idempotency.key_invalid");
      const action = await runnable(asker.principal, input.action);
      if (idempotencyKey !== null) {
        const earlier = await findBatchByKey(pool, asker.principal.id, idempotencyKey);
        if (earlier) return await replay(earlier, action, input.itemSetHash, input.reviewers);
      }
      const set = await buildItemSet(itemDeps, action, input);
      if (set.hash !== input.itemSetHash)
        throw new AirlockError("bulk.item_set_changed", undefined, { itemSetHash: set.hash });
      if (set.items.length === 0)
        throw new AirlockError("bulk.no_items", undefined, { refused: set.refused.length });
      const reason = input.reason?.trim() ? scrubText(input.reason.trim()) : null;
      if (action.reasonRequired && !reason)
        throw new AirlockError("validation.failed", "This action needs a reason.", {
          issues: [{ path: ["reason"], code: "required", message: "A reason is required." }],
        });
      try {
        const batch = await createBatch(asker, action, set.items, set.totals, {
          reason,
          concurrency: input.concurrency,
          idempotencyKey,
          retryOf: null,
          reviewers: input.reviewers ?? null,
        });
        return { batch: await view(batch), replayed: false };
      } catch (error) {
        // The same key committed first by a concurrent request: answer with that batch.
        if ((error as { code?: string }).code !== "23505" || idempotencyKey === null) throw error;
        const earlier = await findBatchByKey(pool, asker.principal.id, idempotencyKey);
        if (!earlier) throw error;
        return await replay(earlier, action, input.itemSetHash, input.reviewers);
      }
    },

    async get(principal, id) {
      return await view((await visible(principal, id)).batch);
    },

    async items(principal, id, filter) {
      await visible(principal, id);
      return await listItems(pool, id, filter);
    },

    pause: (asker, id, reason) => move(asker, id, ["running"], "paused", reason, "bulk.paused"),
    resume: (asker, id, reason) => move(asker, id, ["paused"], "running", reason, "bulk.resumed"),
    async cancel(asker, id, reason) {
      const { batch } = await visible(asker.principal, id);
      if (batch.status === "pending_approval" && batch.approval_request_id) {
        // Withdrawn before its approval: the approval request is cancelled, and with it the batch.
        const outcome = await cancel(deps.approvals, decisionInput(asker, batch.approval_request_id, reason));
        if (!outcome.ok) throw outcome.error;
        return await view(mustFind(await getBatch(pool, id)));
      }
      return await move(asker, id, ["running", "paused"], "cancelled", reason, "bulk.cancelled");
    },

    async decide(asker, id, verb, reason) {
      const { batch } = await visible(asker.principal, id);
      if (!batch.approval_request_id)
        throw new AirlockError("bulk.invalid_transition", "This batch needed no approval.");
      const decideWith = verb === "approve" ? approve : reject;
      const outcome = await decideWith(
        deps.approvals,
        decisionInput(asker, batch.approval_request_id, reason),
      );
      if (!outcome.ok) throw outcome.error;
      return await view(mustFind(await getBatch(pool, id)));
    },

    async report(principal, id) {
      const { batch } = await visible(principal, id);
      return await failureReport(pool, batch);
    },

    async retryFailed(asker, id, reason) {
      const { batch, action } = await visible(asker.principal, id);
      if (!action) throw new AirlockError("action.not_found");
      await runnable(asker.principal, action.name);
      const failed = await pool.query<ItemRow>(
        "SELECT * FROM airlock.bulk_items WHERE batch_id = $1 AND status = 'failed' ORDER BY position",
        [id],
      );
      if (failed.rows.length === 0) throw new AirlockError("bulk.nothing_to_retry");
      if (batch.pii_purged_at && hasClassifiedParams(action))
        throw new AirlockError(
          "pii.not_available",
          "The classified parameters of this batch's failed items are no longer kept (retention); start a new batch from the selection.",
        );
      // The failed items' raw parameters (sealed until now), sealed again for the new batch.
      const items: BatchItem[] = failed.rows.map((row, index) => ({
        position: index + 1,
        params: itemParams(action, sealing, row),
        paramsHash: row.params_hash,
        targetId: row.target_id,
      }));
      const amount = (bulkOptionsOf(action) as BulkOptions).amount;
      const totals: Record<string, number> = {};
      for (const item of items) {
        const a = amount?.(item.params as never) ?? null;
        if (a) totals[a.currency] = (totals[a.currency] ?? 0) + a.amount;
      }
      const scrubbed = reason?.trim() ? scrubText(reason.trim()) : batch.reason;
      const created = await createBatch(asker, action, items, totals, {
        reason: scrubbed,
        concurrency: batch.concurrency,
        idempotencyKey: `retry:${batch.id}`,
        retryOf: batch.id,
        // A retry is asked of the same reviewers as the batch it retries.
        reviewers: await chosenReviewersOfBatch(pool, batch),
      }).catch(async (error) => {
        // Retried already (the same person): that batch is the answer.
        if ((error as { code?: string }).code !== "23505") throw error;
        return mustFind(await findBatchByKey(pool, asker.principal.id, `retry:${batch.id}`));
      });
      return await view(created);
    },

    sweep,
    engine: () => engine,
    async close() {
      if (sweeper) clearInterval(sweeper);
      await engine?.release();
      engine = null;
    },
  };

  async function replay(
    earlier: BatchRow,
    action: CompiledAction,
    hash: string,
    reviewers: ReviewerChoiceInput | undefined,
  ) {
    if (earlier.action !== action.name || earlier.item_set_hash !== hash)
      throw new AirlockError("idempotency.mismatch", "This idempotency key already started another batch.", {
        batchId: earlier.id,
      });
    // Another pick of reviewers is another request, not the same one sent again (as for runs).
    if (!sameChoice(await chosenReviewersOfBatch(pool, earlier), await asStoredChoice(pool, reviewers)))
      throw new AirlockError(
        "idempotency.mismatch",
        "This idempotency key already started a batch with other reviewers.",
        { batchId: earlier.id },
      );
    return { batch: await view(earlier), replayed: true };
  }
}

function decisionInput(asker: Asker, approvalRequestId: string, reason: string | null): DecisionInput {
  return {
    approvalRequestId,
    principal: asker.principal,
    channel: "api",
    requestId: asker.requestId,
    client: asker.client,
    reason,
    subjectKind: BULK_SUBJECT,
  };
}

function iso(value: Date | null): string | null {
  return value ? new Date(value).toISOString() : null;
}
