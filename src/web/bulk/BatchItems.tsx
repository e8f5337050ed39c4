// A batch's items, filterable by status (all, pending, succeeded, failed, skipped), each with its
// run and why it failed or was skipped; 100 at a time (keyset on position). The list is asked
// again whenever the batch's counts move, so it follows the batch while it runs.
import { Anchor, Button, Group, SegmentedControl, Stack, Table, Text } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { BulkBatch } from "../../api/bulk.ts";
import { useApi } from "../api/context.ts";
import { StatusBadge } from "../components/Badges.tsx";

interface Item {
  position: number;
  status: string;
  targetId: string | null;
  runId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}
const PAGE = 100;
const FILTERS = ["all", "pending", "succeeded", "failed", "skipped"] as const;

export function BatchItems({ batch }: { batch: BulkBatch }) {
  const api = useApi();
  const [status, setStatus] = useState<(typeof FILTERS)[number]>("all");
  const counts = batch.counts;
  const items = useInfiniteQuery({
    queryKey: ["bulk-items", batch.id, status, counts],
    initialPageParam: 0,
    queryFn: ({ pageParam, signal }) =>
      api.get<{ items: Item[] }>(
        `/api/v1/bulk/${encodeURIComponent(batch.id)}/items`,
        { ...(status === "all" ? {} : { status }), after: String(pageParam), limit: String(PAGE) },
        signal,
      ),
    getNextPageParam: (page) =>
      page.items.length === PAGE ? page.items[page.items.length - 1]!.position : undefined,
    placeholderData: (previous) => previous,
  });
  const rows = items.data?.pages.flatMap((p) => p.items) ?? [];
  const label = (f: (typeof FILTERS)[number]) =>
    f === "all" ? `All ${batch.itemCount}` : `${f[0]!.toUpperCase()}${f.slice(1)} ${counts[f]}`;
  return (
    <Stack gap="sm" component="section" aria-label="Items">
      <SegmentedControl
        aria-label="Show items"
        value={status}
        onChange={(v) => setStatus(v as (typeof FILTERS)[number])}
        data={FILTERS.map((f) => ({ value: f, label: label(f) }))}
        w="fit-content"
      />
      <Table striped withTableBorder aria-label="Items of the batch" data-bulk-items>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>Run</Table.Th>
            <Table.Th>Why</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((item) => (
            <Table.Tr key={item.position} data-item-status={item.status}>
              <Table.Td>{item.position}</Table.Td>
              <Table.Td>
                <StatusBadge status={item.status} />
              </Table.Td>
              <Table.Td ff="monospace">{item.targetId ?? "—"}</Table.Td>
              <Table.Td>
                {item.runId ? (
                  <Anchor component={Link} to={`/runs/${item.runId}`} size="sm" ff="monospace">
                    {item.runId}
                  </Anchor>
                ) : (
                  "—"
                )}
              </Table.Td>
              <Table.Td>
                {item.errorMessage ? (
                  <Text size="sm">
                    {item.errorMessage}{" "}
                    <Text span size="xs" c="dimmed" ff="monospace">
                      {item.errorCode}
                    </Text>
                  </Text>
                ) : (
                  ""
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {!items.isPending && rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No {status === "all" ? "" : `${status} `}items.
        </Text>
      ) : null}
      {items.hasNextPage ? (
        <Group>
          <Button variant="default" size="xs" onClick={() => items.fetchNextPage()}>
            Show more
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
