// Runbooks: the catalog, starting one, runbook runs (every step, its status, its run, who
// answered), cancel, retry from the failed step, and answering a human step.
import { z } from "zod";
import { reviewerOptions } from "./actions.ts";
import { isoTime, jsonValue, personRef } from "./common.ts";
import { reviewerChoice } from "./runs.ts";

export const RUNBOOK_RUN_STATUSES = ["running", "waiting", "succeeded", "failed", "cancelled"] as const;
export const runbookRunStatus = z.enum(RUNBOOK_RUN_STATUSES);
export const STEP_KINDS = ["action", "step", "input", "sleep", "approval"] as const;

/** An approval gate (`rb.approve`): its request, decisions so far, whether the caller may decide. */
export const gateApproval = z.strictObject({
  requestId: z.string(),
  status: z.enum(["pending", "approved", "rejected", "cancelled", "expired"]),
  reason: z.string().nullable(),
  reviewers: z.strictObject({ groups: z.array(z.string()), users: z.array(z.string()) }),
  quorum: z.number().int(),
  decisions: z.array(
    z.strictObject({
      reviewer: personRef,
      decision: z.enum(["approve", "reject"]),
      reason: z.string().nullable(),
      channel: z.string(),
      decidedAt: isoTime,
    }),
  ),
  expiresAt: isoTime,
  decidedAt: isoTime.nullable(),
  canDecide: z.boolean(),
  whyNot: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});

export const runbookSummary = z.strictObject({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  version: z.string(),
  tags: z.array(z.string()),
  uses: z.array(z.string()),
  paramsSchema: z.record(z.string(), z.unknown()).describe("JSON Schema of the start form"),
  canRun: z.boolean(),
});
export const runbookCatalog = z.strictObject({ runbooks: z.array(runbookSummary) });

export const startRunbookBody = z.strictObject({
  params: z.record(z.string(), z.unknown()).optional(),
  reason: z
    .string()
    .max(1_000)
    .optional()
    .describe("Why it is started (recorded with the run and its audit)"),
  gateReviewers: z
    .record(z.string().min(1).max(200), reviewerChoice)
    .optional()
    .describe(
      "Narrow an approval gate's reviewers, by the gate's step name, where the gate lets the starter choose (requesterChoosesReviewers)",
    ),
});

/** POST /api/v1/runbooks/{name}/preview: what a start with these parameters would ask. */
export const previewRunbookBody = z.strictObject({ params: z.record(z.string(), z.unknown()).optional() });
export const runbookPreview = z.strictObject({
  gates: z
    .array(z.strictObject({ step: z.string(), reviewerOptions }))
    .describe(
      "The approval gates on the path these parameters take that let the starter pick reviewers (gateReviewers), with whom they may pick",
    ),
  complete: z
    .boolean()
    .describe(
      "Whether the rehearsal reached the end (a gate after a step's output is checked when it opens)",
    ),
});
export type RunbookPreview = z.output<typeof runbookPreview>;

export const runbookStep = z.strictObject({
  name: z.string(),
  position: z.number().int(),
  kind: z.enum(STEP_KINDS),
  status: runbookRunStatus,
  action: z.string().nullable(),
  runId: z.string().nullable().describe("The action step's run (GET /api/v1/runs/{id})"),
  title: z.string().nullable(),
  form: z.record(z.string(), z.unknown()).nullable().describe("Human steps: JSON Schema of the form"),
  assignee: z.strictObject({ group: z.string().nullable(), user: z.string().nullable() }).nullable(),
  /** Whether the caller may answer this (waiting) human step. */
  canAnswer: z.boolean(),
  expiresAt: isoTime.nullable(),
  answeredBy: personRef.nullable(),
  answeredAt: isoTime.nullable(),
  answer: jsonValue,
  wakeAt: isoTime.nullable(),
  approval: gateApproval.nullable().describe("Approval gates: the request and its decisions"),
  output: jsonValue,
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  durationMs: z.number().int().nullable(),
});

const decisionView = z.strictObject({
  reviewer: personRef,
  decision: z.string(),
  reason: z.string().nullable(),
  channel: z.string(),
  decidedAt: isoTime,
});

/** The six questions for a whole runbook run (each action step's run answers its own too). */
export const runbookQuestions = z.strictObject({
  who: z.strictObject({ startedBy: personRef, requestId: z.string() }),
  what: z.strictObject({
    runbook: z.string(),
    params: z.record(z.string(), z.unknown()),
    steps: z.number().int(),
    status: runbookRunStatus,
  }),
  why: z.strictObject({
    reason: z.string().nullable().describe("The starter's reason"),
    approvals: z.array(
      z.strictObject({
        step: z.string(),
        kind: z.enum(["gate", "action"]).describe("gate: rb.approve; action: an action step's approval"),
        requestId: z.string(),
        status: z.string(),
        reason: z.string().nullable(),
        decisions: z.array(decisionView),
      }),
    ),
    answers: z.array(
      z.strictObject({
        step: z.string(),
        title: z.string().nullable(),
        answeredBy: personRef,
        answeredAt: isoTime,
        answer: jsonValue,
      }),
    ),
  }),
  changed: z.array(
    z.strictObject({
      step: z.string(),
      action: z.string(),
      runId: z.string().nullable().describe("GET /api/v1/runs/{id} answers the run's own six questions"),
      status: z.string(),
      errorCode: z.string().nullable(),
      requestId: z.string().nullable(),
      executionRequestId: z.string().nullable(),
      snapshotBefore: jsonValue,
      snapshotAfter: jsonValue,
    }),
  ),
  when: z.strictObject({
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    durationMs: z.number().int().nullable(),
    steps: z.array(z.strictObject({ step: z.string(), startedAt: isoTime, finishedAt: isoTime.nullable() })),
  }),
  version: z.strictObject({
    runbook: z.string(),
    attempt: z.number().int(),
    actions: z.array(z.strictObject({ step: z.string(), action: z.string(), version: z.string() })),
  }),
});
export type RunbookQuestions = z.output<typeof runbookQuestions>;

export const runbookRun = z.strictObject({
  id: z.string(),
  runbook: z.string(),
  title: z.string(),
  version: z.string(),
  status: runbookRunStatus,
  params: z.record(z.string(), z.unknown()),
  actor: personRef,
  requestId: z.string(),
  attempt: z.number().int(),
  progress: z.strictObject({ done: z.number(), total: z.number(), label: z.string().nullable() }).nullable(),
  result: jsonValue,
  error: z.strictObject({ code: z.string(), message: z.string(), step: z.string().nullable() }).nullable(),
  cancelledBy: z.string().nullable(),
  cancelReason: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  finishedAt: isoTime.nullable(),
  steps: z.array(runbookStep),
  logs: z.array(z.strictObject({ seq: z.number().int(), message: z.string(), at: isoTime })),
  reason: z.string().nullable().describe("Why it was started"),
  questions: runbookQuestions.nullable().describe("The six questions (one run's page; null in lists)"),
});
export type RunbookRun = z.output<typeof runbookRun>;

export const runbookRunList = z.strictObject({ runbookRuns: z.array(runbookRun) });
export const runbookRunListQuery = z.strictObject({
  runbook: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(100).optional().describe("Keyset: runs older than this id"),
});

export const cancelRunbookBody = z.strictObject({ reason: z.string().max(1_000).optional() });

export const answerBody = z.strictObject({
  answer: z.record(z.string(), z.unknown()).describe("The form's fields"),
});
export const answerResponse = z.strictObject({
  runbookRun: runbookRun,
  replayed: z.boolean().describe("true: the step had already been answered; nothing changed"),
});

export const waitingInput = z.strictObject({
  runbookRunId: z.string(),
  runbook: z.string(),
  runbookTitle: z.string(),
  step: z.string(),
  title: z.string().nullable(),
  form: z.record(z.string(), z.unknown()).nullable(),
  startedBy: z.string(),
  expiresAt: isoTime.nullable(),
  waitingSince: isoTime,
});
export const waitingInputList = z.strictObject({ inputs: z.array(waitingInput) });

export const gateDecisionBody = z.strictObject({
  reason: z.string().max(1_000).optional().describe("Required to reject"),
});

export const waitingGate = z.strictObject({
  runbookRunId: z.string(),
  runbook: z.string(),
  runbookTitle: z.string(),
  step: z.string(),
  startedBy: z.string(),
  waitingSince: isoTime,
  approval: gateApproval,
});
export const waitingGateList = z.strictObject({ gates: z.array(waitingGate) });
