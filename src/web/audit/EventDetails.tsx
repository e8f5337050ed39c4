import { Table, Text } from "@mantine/core";
import type { AuditActor, AuditEvent } from "../../api/audit.ts";
import { humanize } from "../form/field-model.ts";
import { formatScalar } from "../result/result-shape.ts";
import { ActorName } from "./ActorName.tsx";

const FIELDS: [keyof AuditEvent, string][] = [
  ["id", "Event ID"],
  ["occurredAt", "When (UTC)"],
  ["type", "Event"],
  ["outcome", "Outcome"],
  ["actorKind", "Actor kind"],
  ["onBehalfOf", "On behalf of"],
  ["action", "Action"],
  ["actionVersion", "Action version"],
  ["targetType", "Target type"],
  ["targetId", "Target ID"],
  ["runId", "Run ID"],
  ["approvalRequestId", "Approval request ID"],
  ["requestId", "Request ID"],
  ["parentRequestId", "Parent request ID"],
  ["idempotencyKey", "Idempotency key"],
  ["errorCode", "Error code"],
  ["reason", "Reason"],
  ["clientIp", "Client IP"],
  ["userAgent", "User agent"],
  ["txid", "Transaction"],
];

/** Leaves of a nested value as "a › b" → value rows. */
function leaves(value: unknown, prefix: string, out: [string, string][], depth = 0): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && depth < 4) {
    for (const [key, child] of Object.entries(value))
      leaves(child, `${prefix} › ${humanize(key)}`, out, depth + 1);
    return;
  }
  if (value !== undefined) out.push([prefix, formatScalar(value)]);
}

/** One audit event as label → value, the parameters and data flattened; empty fields left out. */
export function EventDetails({ event, actors }: { event: AuditEvent; actors: Record<string, AuditActor> }) {
  const rows: [string, React.ReactNode][] = [
    [
      "Actor",
      event.actorId ? <ActorName key="actor" id={event.actorId} name={actors[event.actorId]?.name} /> : "—",
    ],
  ];
  if (event.actorId) rows.push(["Actor ID", event.actorId]);
  for (const [key, label] of FIELDS) {
    const value = event[key];
    if (value === null || value === undefined || value === "") continue;
    rows.push([
      label,
      key === "onBehalfOf" ? (
        <ActorName key={key} id={String(value)} name={actors[String(value)]?.name} />
      ) : (
        String(value)
      ),
    ]);
  }
  const nested: [string, string][] = [];
  leaves(event.params, "Parameters", nested);
  leaves(event.data, "Data", nested);
  for (const [label, value] of nested) rows.push([label, value]);
  return (
    <Table className="kv-table" verticalSpacing={4} fz="sm" aria-label={`Audit event ${event.id}`}>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row" style={{ whiteSpace: "nowrap" }}>
              {label}
            </Table.Th>
            <Table.Td style={{ wordBreak: "break-word" }}>
              {typeof value === "string" ? (
                <Text span size="sm">
                  {value}
                </Text>
              ) : (
                value
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
