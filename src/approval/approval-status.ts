// The approval request state machine, as data. A request is decided once: every status but
// `pending` is final. `moveApproval` (approval-store.ts) is the only code that changes a status,
// with a compare-and-set UPDATE checked against this table.
export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "cancelled", "expired"] as const;

export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const APPROVAL_TRANSITIONS: Readonly<Record<ApprovalStatus, readonly ApprovalStatus[]>> = {
  pending: ["approved", "rejected", "cancelled", "expired"],
  approved: [],
  rejected: [],
  cancelled: [],
  expired: [],
};

export function canMoveApproval(from: ApprovalStatus, to: ApprovalStatus): boolean {
  return APPROVAL_TRANSITIONS[from].includes(to);
}

/** The shape of an approval request id (`apr_` + ULID); anything else is not looked up. */
export const APPROVAL_ID = /^apr_[0-9A-HJKMNP-TV-Z]{26}$/;
