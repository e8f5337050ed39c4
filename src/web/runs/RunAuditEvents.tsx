import { Alert, Badge, Code, Paper, ScrollArea, Table, Text, Title } from "@mantine/core";
import type { Accountability } from "../../api/runs.ts";
import { useAuditEvents } from "../api/audit.ts";
import { ActorName } from "../audit/ActorName.tsx";
import { CopyText } from "../components/CopyText.tsx";
import { QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";

/** One row of the table: an event of the run's accountability section (with its seal status), or of an audit search. */
interface EventRow {
  id: string;
  type: string;
  at: string;
  outcome: string;
  requestId: string | null;
  reason: string | null;
  actor: { id: string; name: string | null } | null;
  status?: string;
}
type Sealed = { event: EventRow; status?: string };

/** The run's events from its accountability section (each with its seal status), or null. */
function eventsOf(accountability: Accountability | undefined): Sealed[] | null {
  const events = accountability?.audit.events;
  if (!events) return null;
  return events.map(({ status, ...event }) => ({
    event: { ...event, reason: null },
    ...(status ? { status } : {}),
  }));
}

function verificationOf(
  accountability: Accountability | undefined,
): { ok: boolean; checked?: number } | null {
  const audit = accountability?.audit;
  if (!audit) return null;
  return { ok: audit.verified, checked: audit.events.length };
}

const SEAL_STATUS: Record<string, { color: string; label: string }> = {
  verified: { color: "teal", label: "Verified" },
  pending: { color: "gray", label: "Not sealed yet" },
  modified: { color: "red", label: "Modified since sealed" },
  not_in_seal: { color: "red", label: "Not in its seal" },
  seal_missing: { color: "red", label: "Seal missing" },
};

function Verification({ verification }: { verification: ReturnType<typeof verificationOf> }) {
  if (!verification) return null;
  return verification.ok ? (
    <Alert color="teal" variant="light" title="Verified" mb="sm">
      These events are intact: their seals check out
      {verification.checked ? ` (${verification.checked} checked)` : ""}.
    </Alert>
  ) : (
    <Alert color="red" variant="light" title="Verification failed" role="alert" mb="sm">
      An event of this run is not sealed yet or no longer matches its seal; the table says which.
    </Alert>
  );
}

export function EventsTable({ events }: { events: Sealed[] }) {
  return (
    <ScrollArea type="auto">
      <Table verticalSpacing={6} fz="sm" aria-label="Audit events of this run">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Request ID</Table.Th>
            <Table.Th>Verified</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map(({ event: e, status }) => (
            <Table.Tr key={String(e.id)}>
              <Table.Td style={{ whiteSpace: "nowrap" }}>
                <Time value={e.at} />
              </Table.Td>
              <Table.Td>
                <Code>{e.type}</Code>
                {e.reason && (
                  <Text size="xs" c="dimmed">
                    “{e.reason}”
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{e.outcome}</Table.Td>
              <Table.Td>
                <ActorName id={e.actor?.id ?? null} name={e.actor?.name} />
              </Table.Td>
              <Table.Td>
                {e.requestId ? <CopyText value={e.requestId} label="request ID" size="xs" truncate /> : "—"}
              </Table.Td>
              <Table.Td>
                {status ? (
                  <Badge color={SEAL_STATUS[status]?.color ?? "gray"} variant="light" size="sm">
                    {SEAL_STATUS[status]?.label ?? status}
                  </Badge>
                ) : (
                  <Text size="xs" c="dimmed">
                    see Audit › Verify
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

/** The run's audit events (from the run's accountability section, or an audit search by run ID). */
export function RunAuditEvents({
  runId,
  accountability,
}: {
  runId: string;
  accountability?: Accountability | undefined;
}) {
  const fromRun = eventsOf(accountability);
  const search = useAuditEvents({ runId }, { enabled: !fromRun, limit: 200 });
  const actors = Object.assign({}, ...(search.data?.pages.map((p) => p.actors) ?? [])) as Record<
    string,
    { name: string }
  >;
  const events: Sealed[] =
    fromRun ??
    (search.data?.pages.flatMap((p) => p.events) ?? [])
      .map((e) => ({
        event: {
          ...e,
          at: e.occurredAt,
          actor: e.actorId ? { id: e.actorId, name: actors[e.actorId]?.name ?? null } : null,
        },
      }))
      .reverse();
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="run-audit">
      <Title order={2} size="h4" id="run-audit" mb="sm">
        Audit events
      </Title>
      <Verification verification={verificationOf(accountability)} />
      {!fromRun && search.isPending ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : !fromRun && search.isError ? (
        <QueryError error={search.error} what="The audit trail" />
      ) : events.length === 0 ? (
        <Text size="sm" c="dimmed">
          No audit events visible to you for this run.
        </Text>
      ) : (
        <EventsTable events={events} />
      )}
    </Paper>
  );
}
