// Human steps: a runbook asks a person (a group's members, or one user) to fill a form. The step
// row holds the form (JSON Schema, generated from the runbook's zod schema), the assignee and the
// expiry; the answer is written to that row by the answering request (runbooks.ts), whose commit
// wakes the step's look in whichever process runs it (a NOTIFY on the runbook run, store/wake-
// listener.ts). The row is the truth: a look reads it after every wake-up, and a lost wake-up only
// delays the next step until the look's bound (≤ RECHECK_SECONDS).
//
// Expiry is the workflow's own: its last wait ends at the step's expiry, and the look then ends
// the step (`runbook.input_expired`, audited) unless an answer committed first. The step's row is
// locked for that, so an answer and the expiry never both win. A run whose process died is
// resumed by another one (the engine's recovery), which looks at once.
import type pg from "pg";
import { z } from "zod";
import { appendAudit } from "../audit/audit-writer.ts";
import type { DurableEngine } from "../engine/durable-engine.ts";
import { emitEvents } from "../events/event-emit.ts";
import { scrubText } from "../pii/mask.ts";
import type { Assignee } from "../sdk/define-runbook.ts";
import { inTransaction } from "../store/transaction.ts";
import type { WakeListener } from "../store/wake-listener.ts";
import { runbookEvent } from "./runbook-audit.ts";
import { beginStep, endStep, getStep, type RunbookRunRow } from "./runbook-store.ts";
import { StepFailure } from "./step-failure.ts";

const RECHECK_SECONDS = 60;
/** The channel a runbook run's wake-ups go out on; the key is the runbook run's id. */
export const WAKE_CHANNEL = "airlock_runbook_wake";
const EXPIRED = { code: "runbook.input_expired", message: "Nobody answered before the step expired." };

export interface HumanStepDeps {
  pool: pg.Pool;
  engine: DurableEngine;
  row: RunbookRunRow;
  /** Woken by the commit of an answer to (or a cancel of) this runbook run; null: looks every bound. */
  wakes: WakeListener | null;
}

type Check = { kind: "answered"; answer: unknown } | { kind: "expired" } | { kind: "wait"; seconds: number };

export async function waitForAnswer(
  deps: HumanStepDeps,
  step: {
    name: string;
    position: number;
    form: z.ZodObject;
    title: string;
    assignee: Assignee;
    expiresInMs: number;
  },
): Promise<unknown> {
  const { pool, engine, row } = deps;
  const started = await engine.step(step.name, async (): Promise<{ at: number; failed: string | null }> => {
    const at = Date.now() + step.expiresInMs;
    const form = z.toJSONSchema(step.form.strict(), { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    let assignedUser: string | null = null;
    if ("user" in step.assignee) {
      const { rows } = await pool.query<{ id: string }>(
        "SELECT id FROM airlock.users WHERE lower(email) = lower($1) AND status = 'active'",
        [step.assignee.user],
      );
      if (!rows[0])
        return {
          at: 0,
          failed: `The human step "${step.name}" is assigned to ${step.assignee.user}, who is not an active user.`,
        };
      assignedUser = rows[0].id;
    }
    const assignedGroup = "group" in step.assignee ? step.assignee.group : null;
    await inTransaction(pool, async (tx) => {
      await beginStep(tx, {
        runbookRunId: row.id,
        name: step.name,
        position: step.position,
        kind: "input",
        status: "waiting",
        title: scrubText(step.title).slice(0, 300),
        form,
        assignedGroup,
        assignedUser,
        expiresAt: new Date(at),
      });
      await emitEvents(tx, [
        {
          type: "runbook.waiting",
          payload: { runbookRunId: row.id, step: step.name, waitingFor: "input", assignedGroup },
        },
      ]);
    });
    return { at, failed: null };
  });
  if (started.failed) throw new StepFailure("runbook.invalid", started.failed, step.name);

  // A workflow begun before a human step's look waited for its wake-up itself recorded a message
  // wait after each look: it goes on that way, or its replay would not match. (Its answers no
  // longer come as messages: it reads them at its next look, within RECHECK_SECONDS.)
  const legacy = await recvAfterLook(engine, row.workflow_id, step.name);
  for (let look = 1; ; look++) {
    // A step, so that a resumed run takes the same path: whether it was answered or had expired
    // is recorded. It waits inside: the answer's commit wakes it (or its bound ends the wait) and
    // it reads the row again, so the next step starts as soon as the answer is recorded.
    const check: Check = await engine.step(`${step.name}.check${look}`, async () => {
      const left = started.at - Date.now();
      // Registered before the row is read: an answer committed after the read still wakes it.
      const wait =
        legacy || !deps.wakes || left <= 0
          ? null
          : deps.wakes.wait(row.id, Math.min(RECHECK_SECONDS * 1000, left));
      try {
        const first = await lookAt(deps, step, started.at);
        if (first.kind !== "wait" || !wait) return first;
        await wait.woken;
        return await lookAt(deps, step, started.at);
      } finally {
        wait?.cancel();
      }
    });
    if (check.kind === "answered") return check.answer;
    if (check.kind === "expired") throw new StepFailure(EXPIRED.code, EXPIRED.message, step.name);
    if (legacy) {
      const message = await engine.recv<{ answered?: boolean; answer?: unknown }>(
        `input:${step.name}`,
        check.seconds,
      );
      if (message?.answered === true && "answer" in message) return message.answer;
    }
  }
}

/** The step's row as it stands: answered, past its expiry (ended here), or still waiting. */
async function lookAt(
  deps: HumanStepDeps,
  step: { name: string; title: string },
  expiresAt: number,
): Promise<Check> {
  const current = await getStep(deps.pool, deps.row.id, step.name);
  if (current?.status === "succeeded") return { kind: "answered", answer: current.answer };
  const left = expiresAt - Date.now();
  if (left <= 0) return await expire(deps, step.name, step.title);
  return { kind: "wait", seconds: Math.min(RECHECK_SECONDS, Math.ceil(left / 1000)) };
}

/** Whether the workflow recorded a message wait right after this step's first look (see above). */
export async function recvAfterLook(
  engine: DurableEngine,
  workflowId: string,
  name: string,
): Promise<boolean> {
  const operations = await engine.recordedOperations(workflowId);
  const look = operations.find((op) => op.name === `${name}.check1`);
  return !!look && operations.some((op) => op.functionId === look.functionId + 1 && op.name === "DBOS.recv");
}

/**
 * End a human step at its expiry, with its audit event, in one transaction that holds the step's
 * row: an answer committed first wins (and is returned); run again after a crash, it finds the
 * step already ended and writes nothing twice.
 */
async function expire(deps: HumanStepDeps, name: string, title: string): Promise<Check> {
  const { pool, row } = deps;
  return await inTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ status: string; answer: unknown; expires_at: Date | null }>(
      `SELECT status, answer, expires_at FROM airlock.runbook_steps
        WHERE runbook_run_id = $1 AND name = $2 FOR UPDATE`,
      [row.id, name],
    );
    const step = rows[0];
    if (step?.status === "succeeded") return { kind: "answered", answer: step.answer };
    if (step?.status !== "waiting") return { kind: "expired" };
    await endStep(tx, row.id, name, { status: "failed", error: EXPIRED });
    await appendAudit(tx, [
      runbookEvent(
        "runbook.input_expired",
        "failure",
        { id: row.id, runbook: row.runbook, version: row.version, requestId: row.request_id },
        null,
        {
          errorCode: EXPIRED.code,
          data: { step: name, title: scrubText(title).slice(0, 300), expiresAt: step.expires_at },
        },
      ),
    ]);
    return { kind: "expired" };
  });
}
