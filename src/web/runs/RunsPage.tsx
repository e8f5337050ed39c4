import { Anchor, Button, Center, Paper, ScrollArea, Table, Text } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import type { RunFilters as Filters } from "../api/runs.ts";
import { useRuns } from "../api/runs.ts";
import { BatchLink } from "../bulk/BatchLink.tsx";
import { StatusBadge } from "../components/Badges.tsx";
import { CopyText } from "../components/CopyText.tsx";
import { PageHeader } from "../components/PageHeader.tsx";
import { Empty, ListSkeleton, QueryError } from "../components/States.tsx";
import { Time } from "../components/Time.tsx";
import { paramsSummary } from "./params-summary.ts";
import { RunFilters } from "./RunFilters.tsx";

const KEYS = ["q", "action", "actor", "status", "targetType", "targetId", "batch", "from", "to"] as const;

/** "to" is a date the person means to include: ask for runs before the next day. */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export default function RunsPage() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = Object.fromEntries(
    KEYS.flatMap((k) => (params.get(k) ? [[k, params.get(k)!]] : [])),
  );
  const query = { ...filters, ...(filters.to ? { to: dayAfter(filters.to) } : {}) };
  const runs = useRuns(query);
  const rows = runs.data?.pages.flatMap((p) => p.runs) ?? [];

  return (
    <>
      <PageHeader
        title="Runs"
        description="Your runs, and the runs of actions you approve, audit or administer. Newest first."
      />
      <RunFilters
        value={filters}
        onChange={(next) =>
          setParams(Object.fromEntries(Object.entries(next).filter(([, v]) => v)) as Record<string, string>)
        }
      />
      {runs.isPending ? (
        <ListSkeleton rows={8} label="Loading runs" />
      ) : runs.isError ? (
        <QueryError error={runs.error} what="Runs" />
      ) : rows.length === 0 ? (
        <Empty title="No runs match">
          {Object.keys(filters).length
            ? "Change or clear the filters."
            : "Runs appear here once someone runs an action."}
        </Empty>
      ) : (
        <Paper withBorder radius="md">
          <ScrollArea type="auto">
            <Table highlightOnHover verticalSpacing="sm" fz="sm" aria-label="Runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Details</Table.Th>
                  <Table.Th>Request ID</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((run) => (
                  <Table.Tr key={run.id} data-run-row={run.id}>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Anchor component={Link} to={`/runs/${run.id}`} size="sm">
                        <Time value={run.createdAt} />
                      </Anchor>
                    </Table.Td>
                    <Table.Td ff="monospace">
                      {run.action}
                      <BatchLink run={run} />
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={run.status} />
                    </Table.Td>
                    <Table.Td>{run.actorName ?? run.actorId}</Table.Td>
                    <Table.Td ff="monospace">
                      {run.target ? `${run.target.type}:${run.target.id}` : "—"}
                    </Table.Td>
                    <Table.Td maw={420}>
                      <Text size="xs" lineClamp={2} title={paramsSummary(run.params, run.result)}>
                        {paramsSummary(run.params, run.result) || "—"}
                      </Text>
                      {run.error && (
                        <Text size="xs" c="red" lineClamp={2} title={run.error.message}>
                          {run.error.message}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <CopyText value={run.requestId} label="request ID" size="xs" truncate />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </Paper>
      )}
      {runs.hasNextPage && (
        <Center mt="md">
          <Button
            variant="default"
            onClick={() => void runs.fetchNextPage()}
            loading={runs.isFetchingNextPage}
          >
            Load older runs
          </Button>
        </Center>
      )}
      {rows.length > 0 && !runs.hasNextPage && (
        <Text size="xs" c="dimmed" ta="center" mt="md">
          That is all.
        </Text>
      )}
    </>
  );
}
