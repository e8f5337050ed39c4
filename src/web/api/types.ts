// Shapes of the /api/v1 answers the UI reads. They mirror the server's views (run-view.ts,
// action-routes.ts, session-routes.ts, approval-view.ts …) but are declared here on purpose: the
// UI depends on the HTTP contract, not on server modules.

export type Risk = "low" | "medium" | "high" | "critical";
export type Verb = "view" | "run" | "approve" | "audit" | "admin";

export interface User {
  id: string;
  kind: "human" | "service";
  name: string;
  email: string | null;
}

export interface Me {
  user: User;
  groups: string[];
  roles: string[];
  via?: "session" | "token" | "service";
  csrfToken?: string;
  permissions?: {
    actions: Record<Verb, string[]>;
    reveal: Record<string, string[]>;
    workspaceAdmin: boolean;
  };
}

export interface Providers {
  password: boolean;
  oidc: { enabled: boolean; loginUrl?: string };
}

export interface Reviewers {
  groups: string[];
  users: string[];
}

export interface PolicySummary {
  name: string;
  description: string | null;
  mode: "enforce" | "monitor";
  quorum: number;
  reviewers: Reviewers;
  conditional: boolean;
}

export interface ActionSummary {
  name: string;
  title: string;
  description: string;
  tags: string[];
  risk: Risk;
  version: string;
  reasonRequired: boolean;
  execution: "queued" | "inline";
  approval: { mayBeRequired: boolean; policies: PolicySummary[] };
  permissions: { run: boolean; approve: boolean };
}

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  description?: string;
  title?: string;
  // Airlock's field metadata (src/sdk/field-meta.ts), carried through z.toJSONSchema.
  label?: string;
  help?: string;
  placeholder?: string;
  widget?: string;
  currency?: string;
  lookup?: string;
  pii?: string;
  [key: string]: unknown;
};

export interface ActionDetail extends ActionSummary {
  paramsSchema: JsonSchema;
  outputSchema: JsonSchema | null;
  timeoutMs: number;
}

export type RunStatus =
  | "pending_approval"
  | "approved"
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "rejected"
  | "expired"
  | "cancelled";

export interface Run {
  id: string;
  action: string;
  actionVersion: string;
  status: RunStatus;
  actorId: string;
  actorName?: string | null;
  onBehalfOf: string | null;
  channel: string;
  target: { type: string; id: string } | null;
  params: Record<string, unknown> | null;
  reason: string | null;
  result: unknown;
  error: { code: string; message: string } | null;
  requestId: string;
  executionRequestId: string | null;
  parentRequestId: string | null;
  idempotencyKey: string | null;
  approvalRequestId: string | null;
  attempt: number;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  links: { self: string };
  /** The six questions answered from the audit trail, when the server provides them. */
  accountability?: Accountability;
}

/** GET /api/v1/runs/:id → `accountability`: the six questions, from the server. */
export interface Accountability {
  who?: { actor?: PersonRef | null; onBehalfOf?: PersonRef | string | null; channel?: string | null } | null;
  target?: { action?: string; version?: string; target?: { type: string; id: string } | null } | null;
  allowedBy?: GrantRef | GrantRef[] | null;
  approval?: {
    required?: boolean;
    requestId?: string | null;
    status?: string | null;
    reason?: string | null;
    requester?: PersonRef | null;
    decisions?: {
      reviewer: PersonRef;
      decision: string;
      reason: string | null;
      channel?: string;
      at?: string | null;
      decidedAt?: string | null;
    }[];
    wouldHaveRequired?: { policy: string; because: string | null }[];
  } | null;
  changed?: { before: unknown; after: unknown } | null;
  requestIds?: { request: string; execution: string | null; parent: string | null };
  /** The run's audit events with their seal status, and whether all of them verify. */
  audit?: { verified: boolean; events: (AuditEvent & { status?: string; at?: string })[] } | null;
  [key: string]: unknown;
}

export interface PersonRef {
  id: string;
  name?: string | null;
  email?: string | null;
  kind?: string | null;
}

export interface GrantRef {
  id?: string;
  source?: string;
  subject?: string;
  subjectKind?: string;
  verbs?: string[];
  on?: string;
  verb?: string;
}

export interface RunPage {
  runs: Run[];
  nextCursor: string | null;
}

export interface ApprovalSummary {
  id: string;
  status: string;
  action: string;
  actionTitle: string | null;
  runId: string;
  runStatus: string;
  requester: { id: string; name: string };
  reason: string | null;
  target: { type: string; id: string } | null;
  params: Record<string, unknown> | null;
  policies: { name: string; quorum: number }[];
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  myDecision: { decision: string; reason: string | null; decidedAt: string } | null;
}

export interface ApprovalDetail {
  id: string;
  status: string;
  action: { name: string; title: string; version: string; risk: Risk };
  requester: { id: string; name: string | null };
  reason: string | null;
  target: { type: string; id: string } | null;
  params: Record<string, unknown> | null;
  policies: {
    name: string;
    because?: string | null;
    reviewers: Reviewers;
    quorum: number;
    approvals: number;
    satisfied: boolean;
  }[];
  decisions: {
    reviewer: { id: string; name: string | null };
    decision: string;
    reason: string | null;
    channel: string;
    requestId: string | null;
    decidedAt: string | null;
  }[];
  createdAt: string | null;
  expiresAt: string | null;
  decidedAt: string | null;
  run: {
    id: string;
    status: RunStatus;
    requestId: string;
    executionRequestId: string | null;
    error: { code: string; message: string } | null;
    result: unknown;
  };
  targetState: unknown;
  recentRuns: {
    id: string;
    action: string;
    status: RunStatus;
    actor: { id: string; name: string | null };
    error: string | null;
    createdAt: string | null;
  }[];
  canDecide: boolean;
  whyNot: { code: string; message: string } | null;
  canCancel: boolean;
}

export interface AuditEvent {
  id: string | number;
  seq?: number | string;
  at?: string;
  createdAt?: string;
  type: string;
  outcome: string;
  actorId?: string | null;
  actorName?: string | null;
  actorKind?: string | null;
  onBehalfOf?: string | null;
  action?: string | null;
  actionVersion?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  runId?: string | null;
  approvalRequestId?: string | null;
  requestId?: string | null;
  parentRequestId?: string | null;
  errorCode?: string | null;
  reason?: string | null;
  params?: unknown;
  data?: unknown;
  occurredAt?: string;
  [key: string]: unknown;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

export interface AuditVerification {
  ok: boolean;
  [key: string]: unknown;
}
