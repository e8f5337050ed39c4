// The events Airlock announces, and what each carries. Payloads hold identifiers only, never
// parameters or results: a consumer loads what it shows through the API's masking rules.
export const EVENT_TYPES = [
  "run.finished",
  "run.failed",
  "approval.requested",
  "approval.decided",
  "runbook.waiting",
  "runbook.step",
  "runbook.progress",
  "runbook.finished",
  "bulk.progress",
  "user.invited",
  "breakglass.started",
  "notification.created",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventPayloads {
  /** A run reached a final status (succeeded, failed, cancelled, rejected or expired). */
  "run.finished": {
    runId: string;
    action: string;
    actorId: string;
    status: "succeeded" | "failed" | "cancelled" | "rejected" | "expired";
    errorCode: string | null;
    requestId: string;
    executionRequestId: string | null;
    approvalRequestId: string | null;
  };
  /** A run failed (also announced as `run.finished`); kept for notifications that want only failures. */
  "run.failed": {
    runId: string;
    action: string;
    actorId: string;
    errorCode: string | null;
    requestId: string;
    executionRequestId: string | null;
    approvalRequestId: string | null;
  };
  "approval.requested": {
    approvalRequestId: string;
    subjectKind: string;
    subjectId: string;
    /** The gated run, for run subjects; null for other kinds. */
    runId: string | null;
    action: string;
    requesterId: string;
    policies: { name: string; reviewers: { groups: string[]; users: string[] }; quorum: number }[];
    expiresAt: string;
    requestId: string;
  };
  "approval.decided": {
    approvalRequestId: string;
    subjectKind: string;
    subjectId: string;
    runId: string | null;
    action: string;
    requesterId: string;
    status: "approved" | "rejected" | "cancelled" | "expired";
    executionRequestId: string | null;
    requestId: string;
  };
  /** A runbook step waits for a person (input or approval): tells the assignee or reviewers. */
  "runbook.waiting": {
    runbookRunId: string;
    step: string;
    waitingFor: "input" | "approval";
    assignedGroup: string | null;
  };
  /**
   * A runbook step changed status: began (`running`), waits for a person or a run (`waiting`),
   * was answered or decided, or ended. The assignee is for who may see it beyond the runbook's viewers.
   */
  "runbook.step": {
    runbookRunId: string;
    runbook: string;
    actorId: string;
    step: string;
    kind: string;
    status: "running" | "waiting" | "succeeded" | "failed" | "cancelled";
    assignedGroup: string | null;
    assignedUser: string | null;
  };
  /** A runbook run's progress or log moved (`rb.progress`, `rb.log`). */
  "runbook.progress": { runbookRunId: string; runbook: string; actorId: string };
  /** A runbook run reached a final status. */
  "runbook.finished": {
    runbookRunId: string;
    runbook: string;
    actorId: string;
    status: "succeeded" | "failed" | "cancelled";
  };
  /**
   * A bulk batch's progress: emitted with each group of item outcomes the runner writes, and with
   * each change of the batch's status (started, approved, paused, resumed, cancelled, ended).
   */
  "bulk.progress": {
    batchId: string;
    action: string;
    requesterId: string;
    status: string;
    done: number;
    failed: number;
    total: number;
  };
  /** A person was invited (governance): the invitation email is minted and sent from this. */
  "user.invited": { invitationId: string; userId: string };
  /** A person took an emergency role (governance): every admin is told. */
  "breakglass.started": { breakGlassId: string; userId: string; role: string };
  /** A person got an in-app notification (notify/): their open consoles refresh their list. */
  "notification.created": { notificationId: string; recipientId: string };
}

/** One event as a consumer receives it. */
export interface OutboxEvent<T extends EventType = EventType> {
  /** Stable across deliveries: use it to make a consumer's effect idempotent. */
  id: string;
  type: T;
  payload: EventPayloads[T];
  createdAt: Date;
  /** 1 on the first delivery to this consumer, 2 on its first retry, … */
  attempts: number;
}
