// A runbook run's or step's status: a word and a colour, never the colour alone. An unknown
// status (a kind of step added later) is shown as its own word.
import { Badge } from "@mantine/core";

const STATUS: Record<string, { color: string; label: string }> = {
  running: { color: "blue", label: "Running" },
  waiting: { color: "yellow", label: "Waiting" },
  succeeded: { color: "teal", label: "Succeeded" },
  failed: { color: "red", label: "Failed" },
  cancelled: { color: "gray", label: "Cancelled" },
};

export function runbookStatusLabel(status: string): string {
  return STATUS[status]?.label ?? status.replaceAll("_", " ");
}

export function runbookStatusColor(status: string): string {
  return STATUS[status]?.color ?? "gray";
}

export function RunbookStatusBadge({ status, size = "md" }: { status: string; size?: "sm" | "md" }) {
  return (
    <Badge
      color={runbookStatusColor(status)}
      variant="light"
      radius="sm"
      size={size}
      className="badge-strong"
      data-status={status}
    >
      {runbookStatusLabel(status)}
    </Badge>
  );
}
