import {
  Box,
  Button,
  Center,
  Code,
  Group,
  Paper,
  ScrollArea,
  Table,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { Fragment, useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { AuditActor, AuditEvent } from "../../api/audit.ts";
import {
  AUDIT_FILTERS,
  downloadExport,
  eventTime,
  type AuditFilters as Filters,
  useAuditEvents,
} from "../api/audit.ts";
import { CopyText, TRUNCATED_ID_STYLE } from "../components/CopyText.tsx";
import { ErrorNotice } from "../components/ErrorNotice.tsx";
import { DownloadIcon } from "../components/icons.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { ActorName } from "./ActorName.tsx";
import { AuditFilters } from "./AuditFilters.tsx";
import { EventDetails } from "./EventDetails.tsx";
import { VerifyPanel } from "./VerifyPanel.tsx";

function EventRow({ event, actors }: { event: AuditEvent; actors: Record<string, AuditActor> }) {
  const [open, setOpen] = useState(false);
  const detailsId = `event-${String(event.id)}`;
  return (
    <Fragment>
      <Table.Tr data-audit-row={event.runId ?? ""}>
        <Table.Td style={{ whiteSpace: "nowrap" }}>
          <UnstyledButton
            onClick={() => setOpen((o) => !o)}
            aria-expanded={open}
            aria-controls={detailsId}
            fz="sm"
            c="navy.8"
          >
            {open ? "▾" : "▸"} <Time value={eventTime(event)} />
          </UnstyledButton>
        </Table.Td>
        <Table.Td>
          <Code>{event.type}</Code>
        </Table.Td>
        <Table.Td>{event.outcome}</Table.Td>
        <Table.Td>
          <ActorName id={event.actorId} name={event.actorId ? actors[event.actorId]?.name : null} />
        </Table.Td>
        <Table.Td>
          <Text size="sm" ff="monospace">
            {event.action ?? "—"}
          </Text>
          {event.targetType && (
            <Text size="xs" c="dimmed" ff="monospace">
              {event.targetType}:{event.targetId}
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          {event.runId ? (
            <Text
              component={Link}
              to={`/runs/${event.runId}`}
              size="xs"
              ff="monospace"
              c="navy.8"
              title={event.runId}
              style={TRUNCATED_ID_STYLE}
            >
              {event.runId}
            </Text>
          ) : (
            "—"
          )}
        </Table.Td>
        <Table.Td>
          {event.requestId ? <CopyText value={event.requestId} label="request ID" size="xs" truncate /> : "—"}
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr id={detailsId}>
          <Table.Td colSpan={7} p={0}>
            <Box m="xs">
              <EventDetails event={event} actors={actors} />
            </Box>
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = Object.fromEntries(
    AUDIT_FILTERS.flatMap((k) => (params.get(k) ? [[k, params.get(k)!]] : [])),
  );
  const events = useAuditEvents(filters);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState<"csv" | "jsonl" | null>(null);
  async function exportAs(format: "csv" | "jsonl") {
    setExportError(null);
    setExporting(format);
    try {
      await downloadExport(format, filters);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(null);
    }
  }
  const rows = events.data?.pages.flatMap((p) => p.events) ?? [];
  const actors: Record<string, AuditActor> = Object.assign(
    {},
    ...(events.data?.pages.map((p) => p.actors) ?? []),
  );
  return (
    <>
      <PageHeader
        title="Audit"
        description="Every thing that happened, append-only and sealed. Searching and exporting are themselves recorded."
      >
        <Button
          variant="default"
          size="sm"
          leftSection={<DownloadIcon size={14} />}
          loading={exporting === "csv"}
          onClick={() => void exportAs("csv")}
        >
          Export CSV
        </Button>
        <Button
          variant="default"
          size="sm"
          leftSection={<DownloadIcon size={14} />}
          loading={exporting === "jsonl"}
          onClick={() => void exportAs("jsonl")}
        >
          Export JSON Lines
        </Button>
      </PageHeader>
      {exportError !== null && (
        <Box mb="md">
          <ErrorNotice error={exportError} title="The export was refused" />
        </Box>
      )}
      <Paper withBorder radius="md" p="md" mb="md">
        <AuditFilters value={filters} onApply={(next) => setParams(next as Record<string, string>)} />
        <VerifyPanel />
      </Paper>
      {events.isPending ? (
        <ListSkeleton rows={8} label="Loading audit events" />
      ) : events.isError ? (
        <QueryError error={events.error} what="The audit trail" />
      ) : rows.length === 0 ? (
        <Empty title="No audit events match">Change the filters, or widen the time range.</Empty>
      ) : (
        <Paper withBorder radius="md">
          <ScrollArea type="auto">
            <Table verticalSpacing={6} fz="sm" highlightOnHover aria-label="Audit events">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action and target</Table.Th>
                  <Table.Th>Run</Table.Th>
                  <Table.Th>Request ID</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((e) => (
                  <EventRow key={String(e.id)} event={e} actors={actors} />
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      )}
      {events.hasNextPage && (
        <Center mt="md">
          <Button
            variant="default"
            onClick={() => void events.fetchNextPage()}
            loading={events.isFetchingNextPage}
          >
            Load older events
          </Button>
        </Center>
      )}
      {rows.length > 0 && (
        <Group justify="center" mt="xs">
          <Text size="xs" c="dimmed">
            {rows.length} events shown
          </Text>
        </Group>
      )}
    </>
  );
}
