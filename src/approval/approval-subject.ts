// What an approval request gates: its subject. A run today; a runbook step, a bulk batch or an
// access change later. The rules that make an approval worth something are the same for every
// kind and live in the approval module — the payload hash binds the approval to what was asked,
// quorum counts distinct humans, the requester (and whoever it was asked on behalf of) never
// decides, and execution re-checks all of it — while a kind says only how to read its subject
// and what happens to it when the request ends. Kinds are registered per Airlock instance
// (`createSubjectKinds`), never globally.
import type { AuditEventInput } from "../audit/audit-event.ts";
import type { AirlockError } from "../errors/airlock-error.ts";
import type { Principal } from "../identity/principal.ts";
import type { ChangedBy } from "../runs/run-audit.ts";
import type { AfterCommit } from "../runs/run-owner.ts";
import type { RunRow } from "../runs/run-store.ts";
import type { Queryable } from "../store/queryable.ts";
import type { CompiledAction } from "../workspace/compile-workspace.ts";
import type { ApprovalRequestRow } from "./approval-store.ts";

/** A subject as the decision rules see it. */
export interface Subject {
  /** Whoever it was requested on behalf of: like the requester, they never decide on it. */
  onBehalfOf: string | null;
  /** The gated run, for run subjects: its fields go into the approval's audit events. */
  run: RunRow | null;
}

/** One end of a request, handed to its kind inside the deciding transaction. */
export interface SubjectChange {
  request: ApprovalRequestRow;
  subject: Subject;
  /** The governing action (null if retired since). */
  action: CompiledAction | null;
  by: ChangedBy;
  reason: string | null;
  /** The kind's audit events go here; the decision appends them after its own, before COMMIT. */
  auditInto: AuditEventInput[];
}

export interface ApprovalSubjectKind {
  kind: string;
  /** The subject, read in the deciding transaction; null when it no longer exists. */
  load(db: Queryable, request: ApprovalRequestRow): Promise<Subject | null>;
  /** The hash of the subject's payload now; compared with the one approved at execution. */
  payloadHash(db: Queryable, request: ApprovalRequestRow, action: CompiledAction): Promise<string | null>;
  /** Checks of the kind's own at execution, beyond those every kind gets (approval-recheck.ts). */
  recheck?(db: Queryable, request: ApprovalRequestRow): Promise<AirlockError | null>;
  /** Quorum reached: hand the subject on. Runs once per request. Returns what to do after COMMIT. */
  onApproved(db: Queryable, change: SubjectChange & { executionRequestId: string }): Promise<AfterCommit>;
  onRejected(db: Queryable, change: SubjectChange): Promise<void>;
  onCancelled(db: Queryable, change: SubjectChange): Promise<void>;
  /** May find the subject already moved (the sweeper and a decision both saw it due): not an error. */
  onExpired(db: Queryable, change: SubjectChange): Promise<void>;
  /**
   * For kinds no action governs (an access change): who may see a request and who holds the right
   * to decide it, in place of the action's grants. Asked before the deciding transaction opens.
   */
  access?: {
    maySee(principal: Principal, request: ApprovalRequestRow): Promise<boolean>;
    mayDecide(principal: Principal, request: ApprovalRequestRow): Promise<boolean>;
  };
  /**
   * For kinds the approvals inbox lists beside runs (a runbook's gate): the names (a request's
   * `action`) on which the principal holds `approve`, which narrows the inbox's query the way
   * action grants narrow it for runs, and the item's own fields. A kind without it is not listed.
   */
  inbox?: {
    approvable(principal: Principal): Promise<string[]>;
    item(request: Pick<ApprovalRequestRow, "subject_id" | "action">): {
      title: string | null;
      fields: Record<string, unknown>;
      links: Record<string, string>;
    };
  };
  /** A refusal of the kind's own, after the rules every kind gets (e.g. a change that benefits the decider). */
  decisionRefusal?(
    db: Queryable,
    principal: Principal,
    request: ApprovalRequestRow,
    subject: Subject,
  ): Promise<AirlockError | null>;
}

export interface SubjectKinds {
  get(kind: string): ApprovalSubjectKind;
  register(kind: ApprovalSubjectKind): void;
  /** The registered kinds the approvals inbox lists beside runs. */
  listed(): ApprovalSubjectKind[];
}

export function createSubjectKinds(kinds: readonly ApprovalSubjectKind[]): SubjectKinds {
  const byName = new Map<string, ApprovalSubjectKind>();
  const registry: SubjectKinds = {
    get(kind) {
      const found = byName.get(kind);
      // A request of a kind this instance does not know: a deployment mismatch, never user input.
      if (!found) throw new Error(`no approval subject kind "${kind}" is registered`);
      return found;
    },
    register(kind) {
      if (byName.has(kind.kind))
        throw new Error(`approval subject kind "${kind.kind}" is already registered`);
      byName.set(kind.kind, kind);
    },
    listed() {
      return [...byName.values()].filter((kind) => kind.inbox !== undefined);
    },
  };
  for (const kind of kinds) registry.register(kind);
  return registry;
}
