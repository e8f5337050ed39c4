import { Button, Group, ScrollArea, Table, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import { useActions } from "../api/actions.ts";
import { ArrowDownIcon, ArrowUpIcon, DownloadIcon, SortIcon } from "../components/icons.tsx";
import { tableCsv } from "./csv.ts";
import { CurrencyContext, currencyOf, useCurrency } from "./currency-context.ts";
import { downloadText } from "./download.ts";
import { RowActions } from "./RowActions.tsx";
import {
  columnsOf,
  compareCells,
  formatField,
  isMinorUnitsKey,
  labelOf,
  type Path,
  shownKeys,
} from "./result-shape.ts";
import { rowActionsOf, useOutputSchema } from "./row-actions.ts";
import { ValueCell } from "./ValueCell.tsx";

const PAGE = 100;

// A wide table scrolls sideways; its row actions stay pinned at the right edge in view (a late
// payment's "Issue a goodwill credit" sat off-screen past eight columns).
const STICKY_ACTIONS = {
  position: "sticky",
  right: 0,
  background: "var(--mantine-color-body)",
  boxShadow: "-6px 0 6px -6px rgba(0, 0, 0, 0.25)",
} as const;

const download = (name: string, text: string) => downloadText(name, text, "text/csv;charset=utf-8");

/** A list of records: sortable by any column, downloadable as CSV (masked values stay masked). */
export function ResultTable({
  rows,
  basePath,
  caption,
  fileName,
}: {
  rows: Record<string, unknown>[];
  basePath: Path;
  caption: string;
  fileName: string;
}) {
  const inherited = useCurrency();
  const columns = useMemo(() => {
    const all = columnsOf(rows);
    const shown = new Set(
      shownKeys(Object.fromEntries(all.map((c) => [c, rows.find((r) => r[c] != null)?.[c]]))),
    );
    return all.filter((c) => shown.has(c));
  }, [rows]);
  // Row actions declared on the output's fields, kept to the actions this person may run.
  const declared = rowActionsOf(useOutputSchema(), basePath);
  const catalog = useActions("", Object.keys(declared).length > 0);
  const runnable = new Map(
    (catalog.data ?? []).filter((a) => a.permissions.run).map((a) => [a.name, a.title] as const),
  );
  const rowActions = Object.fromEntries(
    Object.entries(declared)
      .map(([column, actions]) => [column, actions.filter((a) => runnable.has(a))] as const)
      .filter(([, actions]) => actions.length > 0),
  );
  const withActions = Object.keys(rowActions).length > 0;
  const [sort, setSort] = useState<{ column: string; dir: 1 | -1 } | null>(null);
  const [limit, setLimit] = useState(PAGE);
  // Sorting keeps each row's original index: reveal paths point at the row as the server has it.
  const ordered = useMemo(() => {
    const indexed = rows.map((row, index) => ({ row, index }));
    if (!sort) return indexed;
    return indexed.sort((a, b) => sort.dir * compareCells(a.row[sort.column], b.row[sort.column]));
  }, [rows, sort]);

  function toggle(column: string) {
    setSort((s) => (s?.column === column ? (s.dir === 1 ? { column, dir: -1 } : null) : { column, dir: 1 }));
  }

  return (
    <div>
      <Group justify="space-between" mb="xs">
        <Text size="sm" c="dimmed">
          {rows.length} {rows.length === 1 ? "row" : "rows"}
        </Text>
        <Button
          size="xs"
          variant="default"
          leftSection={<DownloadIcon size={14} />}
          onClick={() =>
            download(
              fileName,
              tableCsv(columns, rows, {
                label: labelOf,
                value: (row, column) =>
                  isMinorUnitsKey(column) && typeof row[column] === "number"
                    ? formatField(column, row[column], currencyOf(row) ?? inherited)
                    : row[column],
              }),
            )
          }
        >
          Download CSV
        </Button>
      </Group>
      <ScrollArea type="auto">
        <Table striped highlightOnHover withTableBorder verticalSpacing={6} fz="sm">
          <caption className="visually-hidden">{caption}</caption>
          <Table.Thead>
            <Table.Tr>
              {columns.map((column) => {
                const dir = sort?.column === column ? sort.dir : 0;
                return (
                  <Table.Th
                    key={column}
                    aria-sort={dir === 1 ? "ascending" : dir === -1 ? "descending" : "none"}
                    style={{ whiteSpace: "nowrap" }}
                  >
                    <button type="button" className="sort-button" onClick={() => toggle(column)}>
                      {labelOf(column)}
                      {dir === 1 ? (
                        <ArrowUpIcon size={12} />
                      ) : dir === -1 ? (
                        <ArrowDownIcon size={12} />
                      ) : (
                        <SortIcon size={12} />
                      )}
                      <span className="visually-hidden">
                        {dir === 0 ? ", sort" : dir === 1 ? ", sorted ascending" : ", sorted descending"}
                      </span>
                    </button>
                  </Table.Th>
                );
              })}
              {withActions && <Table.Th style={STICKY_ACTIONS}>Actions</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ordered.slice(0, limit).map(({ row, index }) => (
              <CurrencyContext.Provider key={index} value={currencyOf(row) ?? inherited}>
                <Table.Tr>
                  {columns.map((column) => (
                    <Table.Td key={column}>
                      <ValueCell
                        value={row[column]}
                        path={[...basePath, index, column]}
                        label={labelOf(column)}
                      />
                    </Table.Td>
                  ))}
                  {withActions && (
                    <Table.Td style={STICKY_ACTIONS}>
                      <RowActions row={row} byColumn={rowActions} titles={runnable} />
                    </Table.Td>
                  )}
                </Table.Tr>
              </CurrencyContext.Provider>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {ordered.length > limit && (
        <Button variant="subtle" size="xs" mt="xs" onClick={() => setLimit((l) => l + PAGE)}>
          Show {Math.min(PAGE, ordered.length - limit)} more of {ordered.length - limit}
        </Button>
      )}
    </div>
  );
}
