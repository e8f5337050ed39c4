// What one audit event holds (PCI DSS 10.2.2: who, what, when, where, outcome, on what object).
// Parameters and state snapshots arrive here already sanitized: PII replaced by its mask.

export const AUDIT_EVENT_TYPES = [
  "run.requested",
  "run.started",
  "run.succeeded",
  "run.failed",
  "run.replayed",
  "run.cancelled",
  "run.expired",
  "run.rejected",
  "run.rate_limited",
  "validation.failed",
  "permission.denied",
  "approval.requested",
  "approval.approved",
  "approval.rejected",
  "approval.cancelled",
  "approval.expired",
  "approval.refused",
  "policy.would_require_approval",
  "policy.mode_changed",
  "policy.what_if",
  "session.login",
  "session.login_failed",
  "session.logout",
  "session.locked",
  "token.created",
  "token.revoked",
  "token.rejected",
  "user.created",
  "user.disabled",
  "user.enabled",
  "group.created",
  "group.updated",
  "group.member_added",
  "group.member_removed",
  "grant.changed",
  "pii.revealed",
  "pii.reveal_denied",
  "audit.viewed",
  "audit.exported",
  "audit.verified",
  "secret.created",
  "secret.replaced",
  "secret.deleted",
  "master_key.rotated",
  "change.applied",
  "admin.bootstrapped",
  "invitation.created",
  "invitation.sent",
  "invitation.accepted",
  "user.password_changed",
  "breakglass.started",
  "breakglass.ended",
  "breakglass.reviewed",
  "access_review.started",
  "access_review.decided",
  "access_review.signed_off",
  "access_review.cancelled",
  "access_review.exported",
  "access_review.scheduled",
  "access_review.schedule_stopped",
  "access_review.schedule_taken_over",
  "access_review.tick_refused",
  "runbook.started",
  "runbook.succeeded",
  "runbook.failed",
  "runbook.cancelled",
  "runbook.retried",
  "runbook.input_answered",
  "runbook.input_expired",
  "slack.request_refused",
  "slack.user_linked",
  "slack.user_unlinked",
  "webhook.created",
  "schedule.paused",
  "schedule.resumed",
  "schedule.tick_refused",
  "bulk.started",
  "bulk.paused",
  "bulk.resumed",
  "bulk.cancelled",
  "bulk.stopped",
  "bulk.finished",
  "saved_query.created",
  "saved_query.deleted",
  "webhook.disabled",
  "webhook.enabled",
  "webhook.deleted",
  "demo.switch_set",
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export type AuditOutcome = "success" | "failure" | "denied" | "pending" | "info";

export interface AuditEventInput {
  type: AuditEventType;
  outcome: AuditOutcome;
  actorId?: string | null;
  actorKind?: "human" | "service" | "anonymous" | null;
  onBehalfOf?: string | null;
  action?: string | null;
  actionVersion?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  runId?: string | null;
  approvalRequestId?: string | null;
  requestId?: string | null;
  parentRequestId?: string | null;
  idempotencyKey?: string | null;
  errorCode?: string | null;
  reason?: string | null;
  /** Sanitized parameters (masked PII). */
  params?: unknown;
  /** Anything else worth keeping: approval metadata, before/after state (masked), grant basis. */
  data?: unknown;
  clientIp?: string | null;
  userAgent?: string | null;
}

/** Where a request came from, for the audit record. */
export interface ClientInfo {
  clientIp: string | null;
  userAgent: string | null;
}
