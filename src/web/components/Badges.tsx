// Risk and status badges: a word and a colour, never the colour alone.
import { Badge } from "@mantine/core";
import type { Risk } from "../../api/common.ts";

const RISK: Record<Risk, { color: string; label: string }> = {
  low: { color: "gray", label: "Low risk" },
  medium: { color: "yellow", label: "Medium risk" },
  high: { color: "orange", label: "High risk" },
  critical: { color: "red", label: "Critical risk" },
};

export function RiskBadge({ risk }: { risk: Risk }) {
  const r = RISK[risk] ?? RISK.low;
  return (
    <Badge color={r.color} variant="light" radius="sm" className="badge-strong">
      {r.label}
    </Badge>
  );
}

const STATUS: Record<string, { color: string; label: string }> = {
  pending_approval: { color: "yellow", label: "Waiting for approval" },
  approved: { color: "blue", label: "Approved" },
  queued: { color: "blue", label: "Queued" },
  running: { color: "blue", label: "Running" },
  succeeded: { color: "teal", label: "Succeeded" },
  failed: { color: "red", label: "Failed" },
  rejected: { color: "red", label: "Rejected" },
  expired: { color: "gray", label: "Expired" },
  cancelled: { color: "gray", label: "Cancelled" },
  pending: { color: "yellow", label: "Pending" },
};

export function statusLabel(status: string): string {
  return STATUS[status]?.label ?? status.replaceAll("_", " ");
}

export function StatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { color: "gray", label: statusLabel(status) };
  return (
    <Badge color={s.color} variant="light" radius="sm" className="badge-strong">
      {s.label}
    </Badge>
  );
}

export function ApprovalBadge() {
  return (
    <Badge color="navy" variant="outline" radius="sm">
      May need approval
    </Badge>
  );
}
